from llmtuner.tuner.tune import export_model, run_exp
