from dataclasses import dataclass


@dataclass
class DataArguments:
    dataset: str = "alpaca_en"
    max_source_length: int = 512
