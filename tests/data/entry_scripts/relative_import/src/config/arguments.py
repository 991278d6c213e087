from dataclasses import dataclass, field

from ..shared.base import BaseTrainArgs


@dataclass
class ModelArgs:
    model_name_or_path: str = "gpt2"


@dataclass
class TrainArgs(BaseTrainArgs):
    predict_with_generate: bool = True
    lora_modules: tuple = ("q_proj", "k_proj")
    extra_eval_sets: list = field(default_factory=list)
