"""The YAML/JSON config adapter: training config files to ``Launch`` records, fixes back to text.

A training config (a HfArgumentParser JSON, a LLaMA-Factory or TRL recipe YAML, an axolotl
config) is read as one launch whose arguments are its top-level keys. Edits are splices of the
original text at exact node spans, so comments, key order, quoting and layout stay as they were.
"""
