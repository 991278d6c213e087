"""Entry point importing argument classes that are not in the project (fixture)."""

from transformers import HfArgumentParser, TrainingArguments

from accelerate_hparams import ExtraArgs
from utils.arguments import ModelArgs

parser = HfArgumentParser((ModelArgs, ExtraArgs, TrainingArguments))
