from dataclasses import dataclass

from transformers import Seq2SeqTrainingArguments

DEFAULT_SAVE_STEPS = 250


@dataclass
class BaseTrainArgs(Seq2SeqTrainingArguments):
    predict_with_generate: bool = False
    save_steps: int = DEFAULT_SAVE_STEPS
    warmup_ratio: float = 0.03
