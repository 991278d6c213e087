from llmtuner.tuner import export_model, run_exp

__version__ = "0.0.1"
