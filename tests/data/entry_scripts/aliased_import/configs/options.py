from dataclasses import dataclass


@dataclass
class ScriptArgs:
    dataset_name: str = "imdb"
    max_length: int = 1024
