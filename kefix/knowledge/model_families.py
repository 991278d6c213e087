"""Model families and their fp16 fine-tuning risk, with the name rules that recognise them.

Data for the rule ``bf16-native-model``. Every row, regex and rule here comes from
``knowledge/model-precision.md`` (§1 table, §2 regexes, §3 matching rules) and keeps its source
URLs, so each finding can be audited against the report or issue that justifies it.

Where §1 gives one family two risks ("high for MoE / 3.5, medium for dense"; "medium (high for
``glm4_moe``)"), the family is split into rows placed just before the general row, so that the
first-hit-wins order of §2 still holds and each row carries a single risk.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import msgspec

# §2 writes ``L`` for this lookbehind: a family name must not continue a longer word, so that
# ``tinyllama``, ``paligemma`` or ``codet5`` do not hit ``llama``, ``gemma`` or ``t5``.
_L = r"(?<![a-z0-9])"


class Risk(enum.Enum):
    """How strongly the evidence says fp16 training of this family breaks (§1 "fp16 risk")."""

    HIGH = "high"
    MEDIUM = "medium"
    NONE = "none"


class ModelFamily(msgspec.Struct, frozen=True):
    """One row of §1; ``pattern`` is its §2 regex, to be searched in a lower-cased name."""

    id: str
    name: str
    released_dtype: str
    risk: Risk
    evidence: str
    sources: tuple[str, ...]
    pattern: re.Pattern[str]


class NameAlias(msgspec.Struct, frozen=True):
    """A name that must resolve to another family's row, checked just before ``checked_before``.

    §2's ``deepseek_distill`` and §1's "Vicuna v1.5: treat it as llama2" are not rows of their own:
    the model is the base family under a different name.
    """

    id: str
    pattern: re.Pattern[str]
    family_id: str
    checked_before: str


MatchVia = Literal["name", "org", "template"]


class FamilyMatch(msgspec.Struct, frozen=True):
    """Which family a model name or framework hint points to, and how strong that signal is.

    ``via`` is ``"name"`` for the repo-name component, ``"org"`` for the §3 org-only fallback and
    ``"template"`` for a framework template/model-type value; the last two are weaker signals.
    ``matched`` is the component or value as written (original case).
    """

    family: ModelFamily
    matched: str
    via: MatchVia


def _row(
    id: str,
    name: str,
    released_dtype: str,
    risk: Risk,
    evidence: str,
    sources: tuple[str, ...],
    regex: str,
) -> ModelFamily:
    return ModelFamily(id, name, released_dtype, risk, evidence, sources, re.compile(_L + regex))


_UNSLOTH_LOADER = "https://github.com/unslothai/unsloth/blob/main/unsloth/models/loader.py"
_QWEN3_CONFIG_COPY = (
    "https://huggingface.co/thejaminator/qwen-hook-layer-9/commit/"
    "478fb720f1f3ced834fce0275b55b2732d438edc"
)
_VLLM_DEEPSEEK_V2 = "https://github.com/vllm-project/vllm/pull/13232"
_FASTCHAT_VICUNA = "https://github.com/lm-sys/FastChat/blob/main/scripts/train_vicuna_7b.sh"
_QWEN_670 = "https://github.com/QwenLM/Qwen3/issues/670"

FAMILIES: tuple[ModelFamily, ...] = (
    _row(
        "deepseek2",
        "DeepSeek-V2 / V2-Lite",
        "bfloat16",
        Risk.HIGH,
        "Intermediate values overflow the fp16 maximum and the model produces garbage in fp16.",
        (_VLLM_DEEPSEEK_V2, "https://github.com/deepseek-ai/DeepSeek-V2/issues/93"),
        r"deepseek[-_]v2",
    ),
    _row(
        "deepseek3",
        "DeepSeek-V3 / R1 (not Distill)",
        "float8",
        Risk.MEDIUM,
        "fp8-native; the V2 fp16 overflow is said to be less likely for V3, but an R1 AWQ model "
        "overflowed in fp16.",
        (
            _VLLM_DEEPSEEK_V2,
            "https://github.com/vllm-project/vllm/pull/14809",
            "https://github.com/vllm-project/vllm/issues/16579",
        ),
        r"deepseek[-_](v3|r1)",
    ),
    _row(
        "deepseek1",
        "DeepSeek LLM / Coder v1",
        "unknown",
        Risk.NONE,
        "No fp16 failure report was found for v1 (a Llama-architecture model); the known "
        "overflow reports concern V2 and later.",
        (_VLLM_DEEPSEEK_V2,),
        r"deepseek",
    ),
    _row(
        "qwen3_5",
        "Qwen3.5",
        "bfloat16",
        Risk.HIGH,
        "Unsloth forces fp32 mixed precision when fp16 is asked for qwen3_5 because its GDN layers "
        "produce NaN grad norms in float16 training.",
        (_UNSLOTH_LOADER, _QWEN3_CONFIG_COPY),
        r"qwen3[._]5(?!\d)",
    ),
    _row(
        "qwen3_moe",
        "Qwen3-MoE",
        "bfloat16",
        Risk.HIGH,
        "An Unsloth loader version forces fp32 for qwen3_moe because float16 gives NaN grad norms "
        "in the backward pass.",
        (_UNSLOTH_LOADER, _QWEN3_CONFIG_COPY),
        # §2's qwen3 regex, restricted to names that say MoE or carry an active-parameter size
        # (``Qwen3-30B-A3B``); the split is ours, the risk is §1's "high for MoE".
        r"qwen3([._]\d)?(?!\d)(?=.*(?<![a-z0-9])(moe|a\d+(\.\d+)?b)(?![a-z0-9]))",
    ),
    _row(
        "qwen3",
        "Qwen3 (dense)",
        "bfloat16",
        Risk.MEDIUM,
        "bf16-native (config copied from Qwen/Qwen3-8B); the fp16 NaN reports name only the MoE "
        "and Qwen3.5 variants.",
        (_QWEN3_CONFIG_COPY, _UNSLOTH_LOADER),
        r"qwen3([._]\d)?(?!\d)",
    ),
    _row(
        "qwen2",
        "Qwen2 / Qwen2.5 / QwQ",
        "bfloat16",
        Risk.HIGH,
        "fp16 SFT gives NaN and loss 0; the Qwen maintainer says bfloat16 is the preferred dtype "
        "and fp16 instability is expected.",
        (
            "https://huggingface.co/Qwen/Qwen2-72B/blob/c03367ee2f85a5f870d5aa3feb9928c9156e048f/"
            "config.json",
            _QWEN_670,
            "https://github.com/QwenLM/Qwen3/issues/868",
            "https://github.com/X-LANCE/SLAM-LLM/issues/125",
        ),
        r"(qwen2([._]5)?(?![\d.])|qwq)",
    ),
    _row(
        "qwen15",
        "Qwen1.5 / CodeQwen1.5",
        "bfloat16",
        Risk.MEDIUM,
        "bf16-native, but the only fp16 evidence is indirect: a reporter in QwenLM/Qwen3#670 saw "
        "no problem with Qwen1.5.",
        (
            "https://huggingface.co/Qwen/Qwen1.5-7B-Chat/blob/"
            "c893e33b7355e09bd215b8c3fbde3b6bef3d2864/config.json",
            "https://huggingface.co/Qwen/CodeQwen1.5-7B-Chat/blob/"
            "83741946ed51c7a5b46fdc539fca5a7d945679d5/config.json",
            _QWEN_670,
        ),
        r"(code)?qwen1[._]5",
    ),
    _row(
        "qwen1",
        "Qwen (v1)",
        "auto (copies of Qwen-7B-Chat: bfloat16)",
        Risk.MEDIUM,
        "Remote code with its own bf16/fp16 flags and bf16 chat copies; no Qwen-1-specific fp16 "
        "report was found.",
        (
            "https://huggingface.co/Qwen/Qwen-7B/blob/d4efd21e866b9cb3466cb65b963933f5e98016d1/"
            "config.json",
        ),
        r"qwen[-_](1[._]8|7|14|72)b",
    ),
    _row(
        "llama3",
        "Llama 3 / 3.1 / 3.2 / 3.3",
        "bfloat16",
        Risk.HIGH,
        "transformers docs: training in float16 is not recommended and known to produce nan; the "
        "model should be trained in bfloat16.",
        (
            "https://github.com/huggingface/transformers/blob/main/docs/source/en/model_doc/llama3.md",
            "https://huggingface.co/pandyamarut/Meta-Llama-3-8B/blob/"
            "3689724debf35846edda50e9442887aa41c7157c/config.json",
        ),
        r"(meta[-_])?llama[-_]?3([._][0-3])?(?!\d)",
    ),
    _row(
        "llama2",
        "Llama 2 / Code Llama",
        "float16",
        Risk.MEDIUM,
        "Trained in bf16 but released in fp16: older transformers docs said fp16 training produces "
        "nan, and full fp16 fine-tuning gave loss 0 while LoRA worked.",
        (
            "https://github.com/huggingface/transformers/blob/main/docs/source/en/model_doc/llama2.md",
            "https://github.com/huggingface/transformers/blob/main/docs/source/en/model_doc/"
            "code_llama.md",
            "https://github.com/huggingface/transformers/issues/27121",
            "https://github.com/huggingface/trl/issues/1173",
            "https://huggingface.co/abhishek/llama-2-7b-hf-small-shards/blob/main/config.json",
        ),
        r"(llama[-_]?2(?![\d.])|codellama)",
    ),
    _row(
        "llama1",
        "LLaMA-1",
        "float16",
        Risk.NONE,
        "FastChat trained Vicuna-7B on LLaMA-1 with --fp16 and FSDP.",
        (_FASTCHAT_VICUNA, "https://huggingface.co/BetterHF/vicuna-7b/blob/main/config.json"),
        r"llama[-_]?(7|13|30|33|65)b",
    ),
    _row(
        "vicuna",
        "Vicuna v1.1 / v1.3",
        "float16",
        Risk.NONE,
        "The official Vicuna recipe fine-tunes LLaMA-1 with --fp16 (v1.5 resolves to Llama 2).",
        (
            _FASTCHAT_VICUNA,
            "https://huggingface.co/Reizend/bhai_insights_v3/blob/"
            "de2af79d29a76152a85af1e472694f76e8c8bd17/config.json",
        ),
        r"vicuna(?![a-z])",
    ),
    _row(
        "baichuan2",
        "Baichuan 2",
        "bfloat16",
        Risk.HIGH,
        "fp16 LoRA and QLoRA give all-zero loss; the maintainer says to use bf16 and the official "
        "fine-tune uses --bf16 True.",
        (
            "https://huggingface.co/baichuan-inc/Baichuan2-7B-Base/blob/"
            "53100086ef991f32f791c96fd7be4140054653eb/config.json",
            "https://github.com/baichuan-inc/Baichuan2/issues/50",
            "https://github.com/hiyouga/LlamaFactory/issues/950",
            "https://github.com/yangjianxin1/Firefly/issues/180",
            "https://github.com/baichuan-inc/Baichuan2/blob/main/fine-tune/README.md",
        ),
        r"baichuan[-_]?2(?!\d)",
    ),
    _row(
        "baichuan1",
        "Baichuan-7B / Baichuan-13B",
        "bfloat16 (13B-Chat; 7B unknown)",
        Risk.MEDIUM,
        "DeepSpeed ZeRO-2 with fp16 overflows when fine-tuning Baichuan-13B, though bf16 had other "
        "problems in the same report.",
        (
            "https://huggingface.co/baichuan-inc/Baichuan-13B-Chat/blob/main/config.json",
            "https://github.com/baichuan-inc/Baichuan-13B/issues/43",
        ),
        r"baichuan(?![-_]?2(?!\d))",
    ),
    _row(
        "glm4_moe",
        "GLM-4.5 (MoE)",
        "unknown",
        Risk.HIGH,
        "A later Unsloth loader forces fp32 for glm4_moe because float16 gives NaN grad norms.",
        (_UNSLOTH_LOADER,),
        # §1 names only GLM-4.5 as the MoE member; the split is ours, the risk is §1's.
        r"glm[-_]?4[._]5(?!\d)",
    ),
    _row(
        "glm4",
        "GLM-4 9B",
        "bfloat16",
        Risk.MEDIUM,
        "glm-4-9b-chat LoRA with fp16: true saw the loss suddenly drop to 0.",
        (
            "https://huggingface.co/THUDM/glm-4-9b-chat/blame/"
            "731ca7fd937cff9f2ae5f01de85a0c8bf21df6fa/config.json",
            "https://github.com/hiyouga/LlamaFactory/issues/4116",
        ),
        r"glm[-_]?4([._]\d)?(?!\d)",
    ),
    _row(
        "chatglm",
        "ChatGLM-6B / 2 / 3",
        "float16",
        Risk.NONE,
        "Only pure-fp16 .half() full fine-tuning went NaN; LlamaFactory's own ChatGLM3 example "
        "uses fp16: true.",
        (
            "https://github.com/zai-org/ChatGLM-6B/issues/325",
            "https://github.com/hiyouga/LlamaFactory/issues/3308",
            "https://huggingface.co/Tonylin52/pruned_chatglm/blob/main/config.json",
        ),
        r"chatglm[23]?(?![a-z0-9])",
    ),
    _row(
        "gemma3",
        "Gemma 3 / Gemma 3n",
        "unknown",
        Risk.HIGH,
        "Gemma 3 is reported broken with fp16: DPO gives loss 0 and NaN rewards, activations "
        "exceed 65504, and Unsloth forces fp32 for gemma3 and gemma3n.",
        (
            "https://github.com/huggingface/transformers/issues/36822",
            "https://github.com/huggingface/trl/issues/3236",
            _UNSLOTH_LOADER,
            "https://github.com/cactus-compute/cactus/issues/503",
        ),
        r"gemma[-_]?3n?(?![\db])",
    ),
    _row(
        "gemma2",
        "Gemma 2",
        "bfloat16",
        Risk.HIGH,
        "HF blog: Gemma-2-27B-it produces erratic outputs in float16 and you must use bfloat16 "
        "(9B similar).",
        (
            "https://huggingface.co/blog/gemma2",
            "https://github.com/ggml-org/llama.cpp/issues/8240",
            "https://huggingface.co/thejaminator/gemma-hook-layer-0-step-2000/commit/"
            "33738e3d45f3bc4dc6cba719f54d0513279e2231",
        ),
        r"gemma[-_]?2(?![\db])",
    ),
    _row(
        "gemma1",
        "Gemma 2B/7B / CodeGemma",
        "bfloat16",
        Risk.MEDIUM,
        "HF staff say bf16 is the training dtype; fine-tuning the float16 revision gave NaN loss "
        "while fp32 worked.",
        ("https://huggingface.co/google/gemma-7b-it/discussions/61",),
        r"(code)?gemma(?![-_]?[234](?![\db]))",
    ),
    _row(
        "t5",
        "T5 / T5 v1.1 / mT5 / Flan-T5 / ByT5 / UMT5 / LongT5",
        "unset (trained with bf16 activations)",
        Risk.HIGH,
        "The T5 authors trained with bfloat16 activations, and fp16 fine-tuning overflows to inf "
        "or NaN in many transformers reports.",
        (
            "https://github.com/google-research/text-to-text-transfer-transformer/issues/539",
            "https://github.com/huggingface/transformers/issues/5651",
            "https://github.com/huggingface/transformers/issues/4586",
            "https://github.com/huggingface/transformers/issues/9295",
            "https://github.com/huggingface/transformers/issues/11461",
            "https://github.com/huggingface/transformers/pull/10956",
            "https://github.com/huggingface/transformers/pull/14579",
            "https://github.com/declare-lab/flan-alpaca/issues/19",
        ),
        r"(flan[-_]|m|by|um|long[-_]?)?t5(?![a-z0-9])",
    ),
    _row(
        "mistral",
        "Mistral 7B / Mixtral 8x7B / Ministral",
        "bfloat16",
        Risk.MEDIUM,
        "videochat2_mistral went NaN with fp16 and the maintainer suggested bf16; Mistral itself "
        "has made no statement.",
        (
            "https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.3/blob/"
            "c170c708c41dac9275d15a8fff4eca08d52bab71/config.json",
            "https://huggingface.co/mistralai/Mixtral-8x7B-Instruct-v0.1/blob/"
            "eba92302a2861cdc0098cc54bc9f17cb2c47eb61/config.json",
            "https://github.com/OpenGVLab/Ask-Anything/issues/190",
        ),
        r"(mistral|mixtral|ministral)(?![a-z])",
    ),
    _row(
        "internlm",
        "InternLM2 / 2.5",
        "float16",
        Risk.NONE,
        "The official config is float16 and the xtuner maintainer says even fp16 training should "
        "not produce NaN with normal data.",
        (
            "https://huggingface.co/internlm/internlm2-chat-7b/blob/"
            "ef825b6d8297f101a2ce6c72696c39909a1a32f7/config.json",
            "https://github.com/InternLM/xtuner/issues/573",
        ),
        r"internlm(2([._]5)?|3)?(?![a-z])",
    ),
    _row(
        "yi",
        "Yi / Yi-1.5",
        "bfloat16",
        Risk.NONE,
        "Released in bf16, but the official fine-tune runs fp16 and the maintainer calls its "
        "loss-scale overflow messages harmless.",
        (
            "https://huggingface.co/01-ai/Yi-6B/blob/main/config.json",
            "https://github.com/01-ai/Yi/issues/285",
        ),
        r"(yi[-_](1[._]5[-_])?(6|9|34)b|yi[-_]coder)",
    ),
    _row(
        "falcon",
        "Falcon 7B/40B/180B",
        "bfloat16",
        Risk.HIGH,
        "HF recommends the bfloat16 training dtype, and an fp16 litgpt run went NaN after 60 "
        "iterations until bf16-mixed fixed it.",
        (
            "https://github.com/OpenNMT/CTranslate2/issues/1275",
            "https://github.com/Lightning-AI/litgpt/issues/150",
            "https://huggingface.co/justinpinkney/falcon-7b/blob/main/config.json",
        ),
        r"falcon[-_]?(rw[-_])?(1|7|11|40|180)b",
    ),
    _row(
        "phi2",
        "Phi-2",
        "float16",
        Risk.MEDIUM,
        "Microsoft: logits are always NaN from attention overflow in FP16; transformers now "
        "upcasts q/k to fp32.",
        (
            "https://github.com/huggingface/transformers/pull/28163",
            "https://github.com/ml-explore/mlx-examples/issues/297",
            "https://huggingface.co/lmz/candle-quantized-phi/commit/"
            "566e56abeb1cd7bcdfbb45e37333244d75220860",
        ),
        r"phi[-_]?2(?![\d.])",
    ),
    _row(
        "phi3",
        "Phi-3 / 3.5",
        "bfloat16",
        Risk.MEDIUM,
        "bf16-native (config duplicated from microsoft/Phi-3-mini-4k-instruct); no fp16-specific "
        "failure report was found.",
        ("https://huggingface.co/Alignment-Lab-AI/idfkphi4kiguess/blob/main/config.json",),
        r"phi[-_]?3([._]5)?(?!\d)",
    ),
    _row(
        "bloom",
        "BLOOM / BLOOMZ",
        "bfloat16 (176B); smaller sizes unknown",
        Risk.NONE,
        "No fp16 failure report was found; a smaller test model was trained and saved in float16.",
        ("https://github.com/huggingface/blog/pull/553",),
        r"bloomz?(?![a-z])",
    ),
    _row(
        "neox",
        "GPT-NeoX-20B / Pythia",
        "float16 (early derivatives)",
        Risk.NONE,
        "No fp16 failure report was found; GPT-Neo (no x) has a separate fp16 overflow.",
        (
            "https://huggingface.co/h2oai/h2ogpt-oig-oasst1-256-6_9b/blame/"
            "ecb5ad12b75a82bc56a49bc8bbd8c9c6cf1e6c28/config.json",
            "https://github.com/huggingface/transformers/issues/11076",
        ),
        r"(gpt[-_]?neox|pythia)(?![a-z])",
    ),
    _row(
        "opt",
        "OPT",
        "not checked (trained in fp16)",
        Risk.NONE,
        "OPT was trained in fp16.",
        ("https://github.com/facebookresearch/metaseq/issues/213",),
        r"opt[-_](iml[-_])?\d",
    ),
    _row(
        "bert",
        "BERT / RoBERTa / XLM-R",
        "not checked",
        Risk.NONE,
        "HF's GLUE examples feature half-precision training.",
        ("https://huggingface.co/transformers/v2.3.0/examples.html",),
        r"(bert|roberta|xlm[-_]roberta)(?![a-z])",
    ),
    _row(
        "moss",
        "MOSS (moss-moon-003)",
        "float32",
        Risk.NONE,
        "The official config is float32 and no fp16 failure report was found.",
        (
            "https://huggingface.co/fnlp/moss-moon-003-sft/blame/"
            "d6d5c17db463716a753ae290167dc748fd3e2ff0/config.json",
        ),
        r"moss[-_]moon",
    ),
)

FAMILIES_BY_ID: Mapping[str, ModelFamily] = MappingProxyType({f.id: f for f in FAMILIES})

NAME_ALIASES: tuple[NameAlias, ...] = (
    # §2: without this, ``DeepSeek-R1-Distill-Qwen-7B`` would hit deepseek3 or qwen1.
    NameAlias(
        "deepseek_distill_qwen",
        re.compile(_L + r"deepseek[-_]r1[-_]distill[-_]qwen"),
        "qwen2",
        "deepseek2",
    ),
    NameAlias(
        "deepseek_distill_llama",
        re.compile(_L + r"deepseek[-_]r1[-_]distill[-_]llama"),
        "llama3",
        "deepseek2",
    ),
    # §1 vicuna row: v1.5 "has a Llama-2-style config (4096 ctx), so treat it as llama2".
    NameAlias(
        "vicuna_v1_5",
        re.compile(_L + r"vicuna(?![a-z]).*(?<![a-z0-9])v1[._]5(?!\d)"),
        "llama2",
        "vicuna",
    ),
)


def _matchers() -> tuple[tuple[re.Pattern[str], ModelFamily], ...]:
    """All name patterns in the order §2 checks them (first hit wins), aliases included."""
    ordered: list[tuple[re.Pattern[str], ModelFamily]] = []
    for family in FAMILIES:
        for alias in NAME_ALIASES:
            if alias.checked_before == family.id:
                ordered.append((alias.pattern, FAMILIES_BY_ID[alias.family_id]))
        ordered.append((family.pattern, family))
    return tuple(ordered)


_MATCHERS = _matchers()

# §3 org-only fallback, kept to orgs whose every model we know of is one row. Left out on purpose:
# baichuan-inc, Qwen, meta-llama, google, THUDM/zai-org, deepseek-ai, microsoft (several rows each);
# tiiuae (Falcon3/H1/Mamba are not the falcon row); EleutherAI (GPT-Neo is not neox); lmsys
# (Vicuna v1.5 is llama2, fastchat-t5 is T5); bigscience (T0/mT0 are T5-based); mistralai
# (Mamba-Codestral); internlm (Intern-S1); facebook, fnlp (many unrelated models).
ORG_FAMILIES: Mapping[str, str] = MappingProxyType({"01-ai": "yi"})

# §3 generic path components: walking up over them reaches the model's own directory. Beyond the
# doc's list: DeepSpeed's global_step<N>, ``*_model`` spellings, and LLaMA-Factory's
# ``saves/<model>/<finetuning_type>/<stage>`` layout, none of which can name a family.
_GENERIC_COMPONENT = re.compile(
    r"checkpoint[-_]?\d+|checkpoints?|global[-_]?step\d+|(final|merged|hf)([-_]model)?|output.*"
    r"|latest|snapshots|lora|qlora|full|freeze|sft|pt|rm|ppo|dpo|kto|orpo"
)
_HEX_REVISION = re.compile(r"[0-9a-f]{7,64}")
_HF_CACHE_DIR = "models--"
# ModelScope downloads write ``Qwen2___5-7B``: the dots of the repo name become three underscores.
_MODELSCOPE_DOT = "___"

_GENERIC_TEMPLATES = frozenset({"", "default", "alpaca", "empty", "custom", "auto"})

# §3 framework hints. A template is a chat format shared across generations, so each value maps to
# the least risky row it can mean (a bare ``qwen`` covers Qwen 1 to 2.5: only a medium finding).
# Values that can mean a risk-none row and a high one at once map to nothing.
TEMPLATE_FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        # LLaMA-Factory --template (README model table)
        "baichuan": "baichuan1",  # also MedicalGPT's model_type for Baichuan 1 and 2
        "baichuan2": "baichuan2",
        "chatglm2": "chatglm",
        "chatglm3": "chatglm",
        "glm4": "glm4",
        "glm4_moe": "glm4_moe",
        "qwen": "qwen15",
        "qwen3": "qwen3",
        "qwen3_nothink": "qwen3",
        "llama2": "llama2",
        "llama3": "llama3",
        "mistral": "mistral",
        "gemma": "gemma1",  # Gemma, Gemma 2, CodeGemma and Gemma 3 1B all use it
        "gemma2": "gemma2",
        "gemma3": "gemma3",
        "gemma3n": "gemma3",
        "intern": "internlm",
        "intern2": "internlm",
        "yi": "yi",
        "deepseek3": "deepseek3",  # DeepSeek 2.5 (high) and 3 (medium)
        "deepseekr1": "deepseek3",  # R1 (medium) and its Qwen/Llama distills (high)
        "falcon": "falcon",
        "phi": "phi3",  # Phi-1.5 and Phi-2 have no template
        # MedicalGPT --model_type
        "bloom": "bloom",
        "chatglm": "chatglm",
    }
)
# Deliberately absent: ``vicuna`` (LLaVA-1.5 uses it), ``llama`` (MedicalGPT's Llama
# *architecture*: Yi, DeepSeek-LLM and Vicuna too, never llama3), ``deepseek`` (covers v1, none,
# and the 236B V2, high).


def _match_component(component: str) -> ModelFamily | None:
    key = component.lower().replace(_MODELSCOPE_DOT, ".")
    for pattern, family in _MATCHERS:
        if pattern.search(key):
            return family
    return None


def _split_hub_id(components: list[str]) -> tuple[str | None, list[str]]:
    """Return ``(org, components)``, unwrapping an HF cache ``models--Org--Name`` directory."""
    for component in reversed(components):
        if component.startswith(_HF_CACHE_DIR):
            # Hub repo ids cannot contain "--", so the first one separates org and name.
            org, sep, name = component[len(_HF_CACHE_DIR) :].partition("--")
            return (org, [name]) if sep else (None, [org])
    return None, components


def family_from_model_name(name_or_path: str) -> FamilyMatch | None:
    """Find the family of a ``--model_name_or_path`` value (hub id, local path or HF cache path).

    Only the repo-name component is matched (§3): the last path component, walking up over
    generic ones (``checkpoint-500``, ``final``, ``snapshots/<sha>``...), so tool directories such
    as ``LLaMA-Factory`` above the model are never searched. The org of a hub id is used only when
    the name says nothing, and only for orgs in ``ORG_FAMILIES``.
    """
    text = name_or_path.strip().replace("\\", "/")
    components = [c for c in text.split("/") if c not in ("", ".")]
    looks_local = text.startswith(("/", ".", "~"))
    org, components = _split_hub_id(components)
    if org is None and len(components) == 2 and not looks_local:
        org = components[0]

    for index in range(len(components) - 1, -1, -1):
        component = components[index]
        family = _match_component(component)
        if family is not None:
            return FamilyMatch(family, component, "name")
        lowered = component.lower()
        after_snapshots = index > 0 and components[index - 1].lower() == "snapshots"
        if _GENERIC_COMPONENT.fullmatch(lowered) is None and not (
            after_snapshots and _HEX_REVISION.fullmatch(lowered)
        ):
            break

    if org is not None and org.lower() in ORG_FAMILIES:
        return FamilyMatch(FAMILIES_BY_ID[ORG_FAMILIES[org.lower()]], org, "org")
    return None


def family_from_template(template: str) -> FamilyMatch | None:
    """Map a LLaMA-Factory ``--template``, MedicalGPT ``--model_type`` or Firefly
    ``--template_name`` value to a family; a weak signal, for when the model path says nothing.
    """
    key = template.strip().lower()
    if key in _GENERIC_TEMPLATES or key not in TEMPLATE_FAMILIES:
        return None
    return FamilyMatch(FAMILIES_BY_ID[TEMPLATE_FAMILIES[key]], template.strip(), "template")
