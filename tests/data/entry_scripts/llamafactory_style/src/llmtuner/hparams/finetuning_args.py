from dataclasses import dataclass
from typing import Literal


@dataclass
class FinetuningArguments:
    stage: Literal["pt", "sft", "rm", "ppo"] = "sft"
    finetuning_type: Literal["none", "freeze", "lora", "full"] = "lora"
