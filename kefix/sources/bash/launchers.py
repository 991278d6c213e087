"""The launchers kefix recognises, as one table: how each finds its entry point.

Adding a launcher is adding a row. ``value_options`` are the launcher's own options that take a
value in the next word (``--master_port 29500``); they must not be mistaken for the entry
script. Options not listed are assumed to be switches, but an entry script must end in ``.py``,
so an unlisted option's value is never taken for the entry point.
"""

from __future__ import annotations

import enum
import re

import msgspec


class EntryRule(enum.Enum):
    SCRIPT = "script"  # the first positional ``*.py`` (or ``-m module``) is the entry point
    CLI = "cli"  # the command itself parses TrainingArguments flags
    WRAPPER = "wrapper"  # runs the rest of the words as another command


class Launcher(msgspec.Struct, frozen=True):
    name: str
    command: tuple[str, ...]
    entry: EntryRule
    value_options: frozenset[str] = frozenset()
    module_options: frozenset[str] = frozenset()  # options whose value is the entry module


def _options(*names: str) -> frozenset[str]:
    """Option names with their dash/underscore twins (torchrun accepts both spellings)."""
    spelled = set(names)
    for name in names:
        spelled.add(name.replace("_", "-"))
        spelled.add(name.replace("-", "_"))
    return frozenset(spelled)


_TORCHRUN_OPTIONS = _options(
    "--nproc_per_node",
    "--nnodes",
    "--node_rank",
    "--master_addr",
    "--master_port",
    "--rdzv_backend",
    "--rdzv_endpoint",
    "--rdzv_id",
    "--rdzv_conf",
    "--max_restarts",
    "--monitor_interval",
    "--start_method",
    "--role",
    "--log_dir",
    "--redirects",
    "--tee",
    "--local_addr",
    "--logs_specs",
    "--local_ranks_filter",
    "--use_env",
    "-r",
    "-t",
)

_ACCELERATE_OPTIONS = _options(
    "--config_file",
    "--num_processes",
    "--num_machines",
    "--machine_rank",
    "--main_process_ip",
    "--main_process_port",
    "--mixed_precision",
    "--dynamo_backend",
    "--gpu_ids",
    "--rdzv_backend",
    "--deepspeed_config_file",
    "--deepspeed_hostfile",
    "--deepspeed_multinode_launcher",
    "--zero_stage",
    "--offload_optimizer_device",
    "--offload_param_device",
    "--gradient_accumulation_steps",
    "--gradient_clipping",
    "--fsdp_sharding_strategy",
    "--fsdp_auto_wrap_policy",
    "--fsdp_transformer_layer_cls_to_wrap",
    "--fsdp_backward_prefetch",
    "--fsdp_state_dict_type",
    "--fsdp_offload_params",
    "--num_cpu_threads_per_process",
    "--main_training_function",
    "--log_dir",
    "--tee",
    "--role",
    "--max_restarts",
    "--monitor_interval",
    "--same_network",
    "--tpu_name",
    "--tpu_zone",
    "-c",
)

_PYTHON_OPTIONS = frozenset({"-W", "-X", "-Q"})

LAUNCHERS: tuple[Launcher, ...] = (
    Launcher(
        "python -m torch.distributed.run",
        ("python", "-m", "torch.distributed.run"),
        EntryRule.SCRIPT,
        _TORCHRUN_OPTIONS,
        frozenset({"-m", "--module"}),
    ),
    Launcher(
        "python -m torch.distributed.launch",
        ("python", "-m", "torch.distributed.launch"),
        EntryRule.SCRIPT,
        _TORCHRUN_OPTIONS,
        frozenset({"-m", "--module"}),
    ),
    Launcher(
        "accelerate launch",
        ("python", "-m", "accelerate.commands.launch"),
        EntryRule.SCRIPT,
        _ACCELERATE_OPTIONS,
        frozenset({"-m", "--module"}),
    ),
    Launcher("python", ("python",), EntryRule.SCRIPT, _PYTHON_OPTIONS, frozenset({"-m"})),
    Launcher(
        "torchrun",
        ("torchrun",),
        EntryRule.SCRIPT,
        _TORCHRUN_OPTIONS,
        frozenset({"-m", "--module"}),
    ),
    Launcher(
        "deepspeed",
        ("deepspeed",),
        EntryRule.SCRIPT,
        _options(
            "--num_gpus",
            "--num_nodes",
            "--include",
            "--exclude",
            "--master_port",
            "--master_addr",
            "--hostfile",
            "--launcher",
            "--launcher_args",
            "--node_rank",
            "--ssh_port",
            "--bind_core_list",
            "--min_elastic_nodes",
            "--max_elastic_nodes",
            "--venv_script",
            "-H",
            "-i",
            "-e",
        ),
        frozenset({"--module"}),
    ),
    Launcher(
        "accelerate launch",
        ("accelerate", "launch"),
        EntryRule.SCRIPT,
        _ACCELERATE_OPTIONS,
        frozenset({"-m", "--module"}),
    ),
    Launcher("llamafactory-cli train", ("llamafactory-cli", "train"), EntryRule.CLI),
    Launcher("lmf train", ("lmf", "train"), EntryRule.CLI),
    Launcher("swift sft", ("swift", "sft"), EntryRule.CLI),
    Launcher("swift pt", ("swift", "pt"), EntryRule.CLI),
    Launcher("swift rlhf", ("swift", "rlhf"), EntryRule.CLI),
    Launcher("trl sft", ("trl", "sft"), EntryRule.CLI),
    Launcher("trl dpo", ("trl", "dpo"), EntryRule.CLI),
    Launcher("trl grpo", ("trl", "grpo"), EntryRule.CLI),
    Launcher("trl kto", ("trl", "kto"), EntryRule.CLI),
    Launcher("trl reward", ("trl", "reward"), EntryRule.CLI),
    Launcher(
        "uv run",
        ("uv", "run"),
        EntryRule.WRAPPER,
        _options(
            "--with",
            "--python",
            "--project",
            "--directory",
            "--group",
            "--extra",
            "--env-file",
            "-p",
        ),
    ),
    Launcher(
        "srun",
        ("srun",),
        EntryRule.WRAPPER,
        _options(
            "-N",
            "-n",
            "-c",
            "-p",
            "-J",
            "-t",
            "-w",
            "-o",
            "-e",
            "-A",
            "-q",
            "--nodes",
            "--ntasks",
            "--ntasks-per-node",
            "--cpus-per-task",
            "--gres",
            "--partition",
            "--job-name",
            "--time",
            "--mem",
            "--nodelist",
            "--account",
            "--qos",
            "--quotatype",
            "--output",
            "--error",
            "--gpus",
            "--gpus-per-node",
            "--gpus-per-task",
            "--mem-per-cpu",
            "--mem-per-gpu",
            "--exclude",
            "--kill-on-bad-exit",
        ),
    ),
    Launcher("nohup", ("nohup",), EntryRule.WRAPPER),
    Launcher("env", ("env",), EntryRule.WRAPPER, _options("-u", "-C", "--unset", "--chdir")),
    Launcher("time", ("time",), EntryRule.WRAPPER),
    Launcher("exec", ("exec",), EntryRule.WRAPPER),
)

_PYTHON_NAME = re.compile(r"python(\d+(\.\d+)?)?")


def command_word(word: str) -> str:
    """Normalise a command word for the table: ``/usr/bin/python3.10`` -> ``python``."""
    base = word.rsplit("/", 1)[-1]
    return "python" if _PYTHON_NAME.fullmatch(base) else base


# The table by command words (the first row of a command wins) and its longest command first.
_BY_COMMAND: dict[tuple[str, ...], Launcher] = {}
for _row in LAUNCHERS:
    _BY_COMMAND.setdefault(_row.command, _row)
_LENGTHS = sorted({len(row.command) for row in LAUNCHERS}, reverse=True)


def match_launcher(words: list[str]) -> Launcher | None:
    """The longest table row whose command words start ``words`` (already normalised)."""
    for length in _LENGTHS:
        if length <= len(words):
            row = _BY_COMMAND.get(tuple(words[:length]))
            if row is not None:
                return row
    return None
