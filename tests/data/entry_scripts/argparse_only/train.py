"""A plain argparse training script: no HfArgumentParser (fixture)."""

import argparse

from transformers import Trainer, TrainingArguments


def main():
    cli = argparse.ArgumentParser()
    cli.add_argument("--output_dir", default="out")
    cli.add_argument("--fp16", action="store_true")
    options = cli.parse_args()
    args = TrainingArguments(output_dir=options.output_dir, fp16=options.fp16)
    return Trainer(args=args)


if __name__ == "__main__":
    main()
