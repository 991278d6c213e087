"""Training-arguments calls read from ``ast`` (``kefix.sources.python.quick``): the same launches,
spans and sites as the libcst reading, and libcst's reading wherever the two could differ."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from kefix.sources.python import reader
from kefix.sources.python.precheck import screen
from kefix.sources.python.quick import NeedsLibcst, read_launches

FIXTURES = Path(__file__).parent.parent / "fixtures"
KNOWN = frozenset({"FinetuneArguments"})
TA = "from transformers import TrainingArguments\n"

# Read from ast: written in every way a plain call can be.
QUICK = [
    TA + "TrainingArguments(fp16=True)\n",
    "from transformers import TrainingArguments as TA\nX = 3\n"
    'a = TA( "o" ,  x = (1) , y=["a",\'b\'] # c, d\n , z=-X, w=f"{X}",  *q)\n'
    "b = TA(x=1 , )\n",
    "import transformers\nLR: float = 1e-4\n"
    "transformers.TrainingArguments(\n    learning_rate=LR,  # the rate\n"
    "    warmup_ratio=+0.1, seed=0x10, run_name=('a' 'b'), eps=1j,\n)\n",
    "import trl\nargs = trl.SFTConfig(\n    'out', 'second', \\\n"
    "    bf16=None, data=..., b=b'x'\n)\n",
    "from transformers import *\nTrainingArguments()\nTrainingArguments(output_dir=name)\n",
    TA + "\nclass Mine(TrainingArguments):\n    pass\n\n"
    "def main():\n    return Mine(report_to='none'), FinetuneArguments(seed=1)\n",
    TA + "s = 'é'\nTrainingArguments(run_name=s, x='ü')\n",
    "from transformers import TrainingArguments\r\nA = B = 1\r\nC = D\r\nD = 'x'\r\n"
    "TrainingArguments(a=A,\r\n\tc=C, d=D, e=[D, *E], f=dict(g=1), h=lambda: 1, i=x[0],\r\n"
    "  j=np.float32, k=not True, l=-True, m=~1, n='''\\nx''', o=r'\\d', p=[],)\r\n",
    "from transformers import TrainingArguments\rN = 'ä'; TrainingArguments(n=N, m = 'ö' ,\r)\r",
    TA + "TrainingArguments(\n    # first\n    a=1  # one, two\n"
    "    ,  # three\n    b=2\n    # last\n)\n",
    "import transformers as t\n@decorate\ndef f():\n    return t.TrainingArguments(seed=1)\n",
    TA + "TrainingArguments(a=1)(b=2)\nx = [TrainingArguments(\nc=TrainingArguments(d=1))]\n",
    TA + "def main(lr, args):\n    seed = 3\n    return TrainingArguments(\n"
    "        learning_rate=lr, seed=seed, n=[s for s in x], **vars(args), **self.kw, m=M)\n"
    "class C:\n    M = 1\n",
    TA + "runs = [TrainingArguments(seed=s, lr=lr) for s in range(3)]\n",
    TA + "import subprocess\n"
    "TrainingArguments(fp16=True)\nsubprocess.run(['torchrun', 'train.py', '--lr=1e-4', *more])\n",
    "from transformers import HfArgumentParser\n"
    "HfArgumentParser(A).parse_dict({'fp16': True, 1: 2})\n",
    "import os, subprocess, sys\nCMD = 'torchrun train.py --fp16 --bf16'\nos.system(CMD)\n"
    "subprocess.run(\"accelerate launch x.py --lr $LR &&\", shell=True, cwd='/w')\n"
    "subprocess.check_call([sys.executable, '-m', 'torch.distributed.run', 'train.py',\n"
    "    f'--seed={s}', \"--output_dir\", 'o'], cwd=D)\n",
    "import sys\nsys.argv = ['train.py', '--fp16', '--lr', '1e-4']\nsys.argv += ['--bf16']\n"
    "sys.argv.extend(['--x=1'])\nargs = parser.parse_args_into_dataclasses()\n"
    "parser.parse_args_into_dataclasses(args=['--output_dir', 'o'])\n",
    'import os\nos.system(\'torchrun train.py $(\')\nos.system(r"""python -m x --a \\\n --b""")\n',
]
# Left to libcst: what only it reads, or reads differently.
LIBCST = [
    "import subprocess\ncmd = ['torchrun', 'train.py']\nsubprocess.run(cmd)\n",
    "import sys\nsys.argv = ARGS\nparser.parse_args_into_dataclasses()\n",
    "import subprocess\nsubprocess.run(('torchrun', 'train.py'))\n",
    TA + "TrainingArguments(**{'fp16': True})\n",
    TA + "for lr in rates:\n    TrainingArguments(learning_rate=lr)\n",
    TA + "def f(options):\n    TrainingArguments(**options)\n",
    TA + "TrainingArguments(**dict(fp16=True))\n",
    TA + "TrainingArguments((out), fp16=True)\n",
    TA + "LR = 1\nLR = 2\nTrainingArguments(learning_rate=LR)\n",
    TA + "TrainingArguments(betas=(0.9, 0.99))\n",
    "import transformers.training_args\ntransformers.training_args.TrainingArguments(fp16=True)\n",
]


def _both(path: str, text: str) -> tuple[str, str]:
    """The quick and the libcst reading of ``text``, printed; raises ``NeedsLibcst``."""
    tree = ast.parse(text)
    found, problems, comments = read_launches(path, text, KNOWN, tree)
    quick = reader._source(path, found, problems, lambda: comments)
    full = reader._read_with_libcst(path, text, KNOWN, tree)

    def printed(source: reader.PythonSource) -> str:
        sites = sorted(source.sites.items(), key=lambda item: (item[0].start, item[0].end))
        return repr((source.parsed, sites))

    return printed(quick), printed(full)


@pytest.mark.parametrize("text", QUICK)
def test_a_plain_training_call_is_read_from_ast_as_libcst_reads_it(text: str) -> None:
    quick, full = _both("train.py", text)
    assert "Launch(" in quick
    assert quick == full


@pytest.mark.parametrize("text", LIBCST)
def test_what_only_scopes_or_libcst_read_is_left_to_libcst(text: str) -> None:
    with pytest.raises(NeedsLibcst):
        read_launches("train.py", text, KNOWN, ast.parse(text))


def test_every_python_fixture_ast_reads_is_read_as_libcst_reads_it() -> None:
    read = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if screen(text, KNOWN).tree is None:
            continue
        try:
            quick, full = _both(str(path), text)
        except NeedsLibcst:
            continue
        assert quick == full, path
        read += 1
    assert read >= 10  # the fixtures' plain calls: the comparison is not vacuous


def test_comments_are_found_around_strings_holding_a_hash() -> None:
    text = textwrap.dedent(
        """\
        from transformers import TrainingArguments
        # kefix: ignore[KF101]
        TrainingArguments(evaluation_strategy="steps", run_name="a#b")  # why
        """
    )
    quick, full = _both("train.py", text)
    assert quick == full
    found = read_launches("train.py", text, KNOWN, ast.parse(text))[2]
    assert [text[span.start : span.end] for span in found] == ["# kefix: ignore[KF101]", "# why"]
