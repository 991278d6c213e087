import sys

from transformers import HfArgumentParser, Seq2SeqTrainingArguments

from llmtuner.hparams import DataArguments, FinetuningArguments, GeneratingArguments, ModelArguments


def _parse_args(parser, args=None):
    if args is not None:
        return parser.parse_dict(args)
    if len(sys.argv) == 2 and sys.argv[1].endswith(".yaml"):
        return parser.parse_yaml_file(sys.argv[1])
    return parser.parse_args_into_dataclasses()


def get_infer_args(args=None):
    parser = HfArgumentParser(
        (ModelArguments, DataArguments, FinetuningArguments, GeneratingArguments)
    )
    return _parse_args(parser, args)


_TRAIN_ARGS = [
    ModelArguments,
    DataArguments,
    Seq2SeqTrainingArguments,
    FinetuningArguments,
    GeneratingArguments,
]


def get_train_args(args=None):
    parser = HfArgumentParser(_TRAIN_ARGS)
    return _parse_args(parser, args)
