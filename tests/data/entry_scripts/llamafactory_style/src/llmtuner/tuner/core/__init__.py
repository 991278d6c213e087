from llmtuner.tuner.core.parser import get_infer_args, get_train_args
