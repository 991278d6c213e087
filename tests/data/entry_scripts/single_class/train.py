"""Everything in one file: a TrainingArguments subclass and its parser (fixture)."""

import os
from dataclasses import dataclass, field
from typing import ClassVar

import transformers
from transformers.trainer_utils import IntervalStrategy

LEARNING_RATE = 2e-5
RUN_NAME = "baseline-" "v2"
MAX_STEPS = int(os.environ.get("MAX_STEPS", "1000"))


@dataclass
class TrainArgs(transformers.TrainingArguments):
    registry: ClassVar[dict] = {}
    learning_rate: float = LEARNING_RATE
    run_name: str = RUN_NAME
    max_steps: int = MAX_STEPS
    seed: int = -7
    data_path: str = field(metadata={"help": "training data"})
    save_strategy: str = IntervalStrategy.EPOCH
    logging_dir: str = os.path.join("logs", "tb")
    hidden_token: str = field(default="abc", init=False)
    load_best_model_at_end = True

    def __post_init__(self):
        super().__post_init__()
        self.save_strategy = self.eval_strategy
        self._checked = True


def main():
    parser = transformers.HfArgumentParser(TrainArgs)
    (training_args,) = parser.parse_args_into_dataclasses()
    return training_args


if __name__ == "__main__":
    main()
