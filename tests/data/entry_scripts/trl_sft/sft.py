"""Supervised fine-tuning with trl (fixture)."""

from dataclasses import dataclass

from trl import ModelConfig, SFTConfig, SFTTrainer, TrlParser


@dataclass
class ScriptArguments:
    dataset_name: str = "trl-lib/Capybara"


@dataclass
class MySFTConfig(SFTConfig):
    packing: bool = True
    max_length: int = 2048


if __name__ == "__main__":
    parser = TrlParser((ScriptArguments, MySFTConfig, ModelConfig))
    script_args, training_args, model_args = parser.parse_args_and_config()
    SFTTrainer(args=training_args)
