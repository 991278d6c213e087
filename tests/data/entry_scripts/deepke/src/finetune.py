"""Fine-tune a causal LM with LoRA (fixture: DeepKE-shaped entry script)."""

import sys

from transformers import HfArgumentParser

from utils.args import DataArguments, FinetuningArguments, ModelArguments, TrainingArguments


def parse_arguments():
    parser = HfArgumentParser(
        (ModelArguments, DataArguments, TrainingArguments, FinetuningArguments)
    )
    if len(sys.argv) == 2 and sys.argv[1].endswith(".json"):
        return parser.parse_json_file(json_file=sys.argv[1])
    return parser.parse_args_into_dataclasses()


def main():
    model_args, data_args, training_args, finetuning_args = parse_arguments()
    print(model_args, data_args, training_args, finetuning_args)


if __name__ == "__main__":
    main()
