"""Entry point with aliased imports (fixture)."""

from transformers import HfArgumentParser as ArgParser
from transformers import TrainingArguments as HFTrainingArguments

import configs.options as opts


def main():
    parser = ArgParser([opts.ScriptArgs, HFTrainingArguments])
    script_args, training_args = parser.parse_args_into_dataclasses()
    return script_args, training_args


main()
