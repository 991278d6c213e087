"""Entry point that imports its arguments relatively (fixture)."""

from transformers import HfArgumentParser, set_seed

from .config import ModelArgs, TrainArgs


def main():
    arg_types = (ModelArgs, TrainArgs)
    parser = HfArgumentParser(arg_types)
    model_args, training_args = parser.parse_args_into_dataclasses()
    set_seed(training_args.seed)
    return model_args


if __name__ == "__main__":
    main()
