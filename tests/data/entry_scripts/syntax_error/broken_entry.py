from transformers import HfArgumentParser

def main(:
    parser = HfArgumentParser(TrainingArguments)
