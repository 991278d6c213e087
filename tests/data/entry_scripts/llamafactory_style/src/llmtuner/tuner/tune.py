from llmtuner.tuner.core import get_infer_args, get_train_args


def run_exp(args=None):
    model_args, data_args, training_args, finetuning_args, generating_args = get_train_args(args)
    return training_args


def export_model(args=None):
    model_args, _, finetuning_args, _ = get_infer_args(args)
    return model_args, finetuning_args
