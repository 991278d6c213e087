"""Specification of the model-family table, from knowledge/model-precision.md (§1-§4)."""

from __future__ import annotations

import pytest

from kefix.knowledge.model_families import (
    FAMILIES,
    FAMILIES_BY_ID,
    NAME_ALIASES,
    ORG_FAMILIES,
    TEMPLATE_FAMILIES,
    Risk,
    family_from_model_name,
    family_from_template,
)

# §2 "They match", with the family the doc implies. Qwen3.5 and GLM-4.5 land on the split rows
# that carry §1's "high" for those variants.
DOC_MATCHES = [
    ("Baichuan2-13B-Chat", "baichuan2"),
    ("baichuan-7B", "baichuan1"),
    ("Qwen-14B-Chat", "qwen1"),
    ("qwen1_5-7b", "qwen15"),
    ("Qwen2.5-7B-Instruct", "qwen2"),
    ("qwen2_5-7b", "qwen2"),
    ("QwQ-32B", "qwen2"),
    ("Qwen3.5-9B", "qwen3_5"),
    ("Llama-2-7b-hf", "llama2"),
    ("CodeLlama-7b-hf", "llama2"),
    ("Meta-Llama-3-8B-Instruct", "llama3"),
    ("Llama-3.1-8B", "llama3"),
    ("alpaca-llama-7b", "llama1"),
    ("gemma-2b", "gemma1"),
    ("gemma-2-2b-it", "gemma2"),
    ("gemma3n-E4B", "gemma3"),
    ("flan-t5-xl", "t5"),
    ("mt5-base", "t5"),
    ("byt5-small", "t5"),
    ("umt5-base", "t5"),
    ("chatglm3-6b", "chatglm"),
    ("glm-4-9b-chat", "glm4"),
    ("GLM-4.5-Air", "glm4_moe"),
    ("internlm2_5-7b-chat", "internlm"),
    ("Yi-1.5-9B-Chat", "yi"),
    ("Phi-3.5-mini-instruct", "phi3"),
    ("bloomz-7b1", "bloom"),
    ("chinese-roberta-wwm-ext", "bert"),
]

# §2 "They do not match" (§4 lists these as other families or as not to be flagged).
DOC_NON_MATCHES = [
    "TinyLlama-1.1B",
    "ollama",
    "LLaMA-Factory",
    "paligemma-3b",
    "t5gemma-2b",
    "codet5-base",
    "gpt5",
    "InternVL2-8B",
    "yiyan-7b",
    "xiaoyi-7b",
    "Falcon3-7B",
    "phi-1_5",
    "BloombergGPT",
    "gpt-neo-2.7B",
    "optimus-7b",
    "deberta-v3-base",
    "distilbert-base-uncased",
    "mossformer",
    "llava-v1.5-7b",
]


def _family_id(name_or_path: str) -> str | None:
    match = family_from_model_name(name_or_path)
    return None if match is None else match.family.id


@pytest.mark.parametrize(("name", "family_id"), DOC_MATCHES)
def test_doc_example_names_match_their_family(name: str, family_id: str) -> None:
    assert _family_id(name) == family_id


@pytest.mark.parametrize("name", DOC_NON_MATCHES)
def test_doc_counter_example_names_match_nothing(name: str) -> None:
    assert family_from_model_name(name) is None


@pytest.mark.parametrize(
    ("name", "family_id"),
    [
        # §2: precedence, not qwen1; §1 deepseek3 note: R1-Distill uses the base row.
        ("DeepSeek-R1-Distill-Qwen-7B", "qwen2"),
        ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "llama3"),
        ("deepseek-ai/DeepSeek-R1", "deepseek3"),
        ("deepseek-ai/DeepSeek-V3", "deepseek3"),
        ("deepseek-ai/DeepSeek-V2-Lite", "deepseek2"),
        ("deepseek-ai/deepseek-llm-7b-base", "deepseek1"),
        # §1 vicuna row: v1.1/v1.3 are LLaMA-1 based; v1.5 is treated as llama2.
        ("lmsys/vicuna-7b-v1.3", "vicuna"),
        ("lmsys/vicuna-7b-v1.5", "llama2"),
        # §1 qwen3 row: high for MoE, medium for dense.
        ("Qwen/Qwen3-8B", "qwen3"),
        ("Qwen/Qwen3-30B-A3B", "qwen3_moe"),
        # §3: fine-tunes keep their base name.
        ("dolphin-2.2.1-mistral-7b", "mistral"),
        ("dolphin-2.9-llama3-8b", "llama3"),
        ("Qwen2.5-7B-Instruct-abliterated", "qwen2"),
        # §3: hub ids in any case.
        ("THUDM/chatglm3-6b", "chatglm"),
        ("Qwen/QwQ-32B", "qwen2"),
        ("01-ai/Yi-6B", "yi"),
    ],
)
def test_names_from_the_doc_text_resolve_as_it_says(name: str, family_id: str) -> None:
    assert _family_id(name) == family_id


def test_hub_id_reports_the_repo_name_component_as_written() -> None:
    match = family_from_model_name("baichuan-inc/Baichuan2-7B-Chat")
    assert match is not None
    assert (match.family.id, match.matched, match.via) == ("baichuan2", "Baichuan2-7B-Chat", "name")


@pytest.mark.parametrize(
    ("path", "family_id", "matched"),
    [
        (
            "/root/.cache/huggingface/hub/models--baichuan-inc--Baichuan2-13B-Chat/snapshots/"
            "c8d877c7ca596d9aeff429d43bff06e288684f45",
            "baichuan2",
            "Baichuan2-13B-Chat",
        ),
        (
            "~/.cache/huggingface/hub/models--Qwen--Qwen2.5-7B-Instruct/snapshots/a09a3545",
            "qwen2",
            "Qwen2.5-7B-Instruct",
        ),
        ("/data/hub/models--google--flan-t5-xl", "t5", "flan-t5-xl"),
        ("/data/hf/Qwen2.5-7B-Instruct/snapshots/a09a3545", "qwen2", "Qwen2.5-7B-Instruct"),
        ("/home/u/LLaMA-Factory/models/qwen2-7b", "qwen2", "qwen2-7b"),
        ("./output/Baichuan2-7B-Chat/checkpoint-500", "baichuan2", "Baichuan2-7B-Chat"),
        ("/data/gemma-2-9b-it/final/", "gemma2", "gemma-2-9b-it"),
        ("/models/Meta-Llama-3-8B/merged/hf", "llama3", "Meta-Llama-3-8B"),
        ("output/llama3_lora_sft", "llama3", "llama3_lora_sft"),
        ("saves/llama3-8b/lora/sft/checkpoint-1000", "llama3", "llama3-8b"),
        ("/ckpt/Qwen2___5-7B-Instruct", "qwen2", "Qwen2___5-7B-Instruct"),
        ("C:\\models\\falcon-7b\\latest", "falcon", "falcon-7b"),
    ],
)
def test_local_and_cache_paths_match_the_model_directory(
    path: str, family_id: str, matched: str
) -> None:
    match = family_from_model_name(path)
    assert match is not None
    assert (match.family.id, match.matched, match.via) == (family_id, matched, "name")


@pytest.mark.parametrize(
    "path",
    [
        "/data/ckpt/final",  # §3: "the path says nothing"
        "/home/u/LLaMA-Factory/output/checkpoint-500",  # walks up to a tool directory: no match
        "/home/u/Qwen2.5-7B-Instruct/my-run",  # stops at the first non-generic component
        "",
        "/",
    ],
)
def test_paths_that_name_no_model_match_nothing(path: str) -> None:
    assert family_from_model_name(path) is None


def test_org_fallback_applies_only_when_the_name_says_nothing() -> None:
    match = family_from_model_name("01-ai/Yi-VL-6B")
    assert match is not None
    assert (match.family.id, match.matched, match.via) == ("yi", "01-ai", "org")


@pytest.mark.parametrize(
    "name",
    [
        # §3: baichuan-inc alone would say baichuan1 for a Baichuan 2 repo, so it is no hint.
        "baichuan-inc/some-finetune",
        "Qwen/Qwen-VL-Chat",
        "meta-llama/some-model",
        "tiiuae/falcon-mamba-7b",  # §1: Falcon3 / H1 / Mamba are not the falcon row
        "models/01-ai-notes",  # a relative path's parent is not an org
        "/data/01-ai/unknown-model",
    ],
)
def test_orgs_that_span_several_families_give_no_fallback(name: str) -> None:
    assert family_from_model_name(name) is None


def test_org_fallback_through_an_hf_cache_path() -> None:
    match = family_from_model_name("/cache/hub/models--01-ai--Yi-VL-6B/snapshots/abcdef0")
    assert match is not None
    assert (match.family.id, match.via) == ("yi", "org")


@pytest.mark.parametrize(
    ("template", "family_id"),
    [
        ("qwen", "qwen15"),  # §3: covers Qwen 1 to 2.5, so only a medium finding
        ("qwen3", "qwen3"),
        ("baichuan2", "baichuan2"),
        ("baichuan", "baichuan1"),
        ("llama3", "llama3"),
        ("llama2", "llama2"),
        ("mistral", "mistral"),
        ("gemma", "gemma1"),
        ("gemma2", "gemma2"),
        ("gemma3n", "gemma3"),
        ("glm4", "glm4"),
        ("glm4_moe", "glm4_moe"),
        ("chatglm3", "chatglm"),
        ("chatglm", "chatglm"),  # MedicalGPT model_type
        ("intern2", "internlm"),
        ("deepseekr1", "deepseek3"),
        ("phi", "phi3"),  # §3: Phi-1.5/2 have no template
        ("falcon", "falcon"),
        ("bloom", "bloom"),
        ("Qwen", "qwen15"),
    ],
)
def test_templates_map_to_their_weakest_family(template: str, family_id: str) -> None:
    match = family_from_template(template)
    assert match is not None
    assert (match.family.id, match.matched, match.via) == (family_id, template, "template")


def test_bare_qwen_template_supports_only_a_medium_finding() -> None:
    match = family_from_template("qwen")
    assert match is not None
    assert match.family.risk is Risk.MEDIUM


@pytest.mark.parametrize(
    "template",
    ["llama", "vicuna", "default", "alpaca", "empty", "custom", "auto", "", "deepseek", "xverse"],
)
def test_generic_or_ambiguous_templates_map_to_nothing(template: str) -> None:
    assert family_from_template(template) is None


def test_no_template_maps_to_llama3_except_llama3_itself() -> None:
    assert [t for t, f in TEMPLATE_FAMILIES.items() if f == "llama3"] == ["llama3"]


def test_every_row_has_a_source_url() -> None:
    for family in FAMILIES:
        assert family.sources, family.id
        assert all(url.startswith("https://") for url in family.sources), family.id


def test_family_ids_are_unique() -> None:
    ids = [family.id for family in FAMILIES]
    assert len(ids) == len(set(ids)) == len(FAMILIES_BY_ID)


def test_every_reference_names_an_existing_row() -> None:
    targets = [a.family_id for a in NAME_ALIASES] + [a.checked_before for a in NAME_ALIASES]
    targets += [*ORG_FAMILIES.values(), *TEMPLATE_FAMILIES.values()]
    assert set(targets) <= set(FAMILIES_BY_ID)


@pytest.mark.parametrize(
    ("family_id", "risk"),
    [
        ("baichuan2", Risk.HIGH),
        ("qwen2", Risk.HIGH),
        ("llama3", Risk.HIGH),
        ("t5", Risk.HIGH),
        ("llama2", Risk.MEDIUM),
        ("qwen3", Risk.MEDIUM),
        ("qwen3_5", Risk.HIGH),
        ("qwen3_moe", Risk.HIGH),
        ("glm4", Risk.MEDIUM),
        ("glm4_moe", Risk.HIGH),
        # §4: must not be flagged
        ("opt", Risk.NONE),
        ("bert", Risk.NONE),
        ("llama1", Risk.NONE),
        ("vicuna", Risk.NONE),
        ("chatglm", Risk.NONE),
        ("internlm", Risk.NONE),
        ("yi", Risk.NONE),
        ("deepseek1", Risk.NONE),
        ("bloom", Risk.NONE),
        ("neox", Risk.NONE),
        ("moss", Risk.NONE),
    ],
)
def test_risk_levels_follow_the_doc(family_id: str, risk: Risk) -> None:
    assert FAMILIES_BY_ID[family_id].risk is risk
