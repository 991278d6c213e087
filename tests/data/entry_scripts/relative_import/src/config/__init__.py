from .arguments import ModelArgs, TrainArgs

__all__ = ["ModelArgs", "TrainArgs"]
