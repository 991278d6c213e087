from dataclasses import dataclass


@dataclass
class GeneratingArguments:
    do_sample: bool = True
    temperature: float = 0.95
