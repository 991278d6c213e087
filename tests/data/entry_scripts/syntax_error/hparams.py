from dataclasses import dataclass


@dataclass
class ModelArgs:
    model_name_or_path: str = "gpt2"
    use_lora: bool = (True
