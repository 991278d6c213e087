"""Argument dataclasses for LoRA fine-tuning (fixture: DeepKE-shaped)."""

from dataclasses import dataclass, field
from typing import List, Optional

import transformers

DEFAULT_CUTOFF_LEN = 512


@dataclass
class TrainingArguments(transformers.Seq2SeqTrainingArguments):
    optim: str = field(default="adamw_torch")
    load_best_model_at_end: Optional[bool] = field(
        default=True, metadata={"help": "Whether to reload the best checkpoint at the end."}
    )
    report_to: str = "none"


@dataclass
class ModelArguments:
    model_name_or_path: str = field(metadata={"help": "Path or hub name of the base model."})
    use_fast_tokenizer: bool = field(default=False)
    lora_target: List[str] = field(default_factory=lambda: ["q_proj", "v_proj"])


@dataclass
class DataArguments:
    train_file: Optional[str] = None
    cutoff_len: int = field(default=DEFAULT_CUTOFF_LEN)
    val_set_size: int = -1
    prompt_template_name: str = "alpaca"


@dataclass
class FinetuningArguments:
    lora_r: int = 8
    lora_alpha: float = 16.0
    lora_dropout: float = 0.05
    bits: int = 16
