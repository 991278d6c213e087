"""Entry point whose argument module does not parse (fixture)."""

from transformers import HfArgumentParser, TrainingArguments

from hparams import ModelArgs

parser = HfArgumentParser((ModelArgs, TrainingArguments))
