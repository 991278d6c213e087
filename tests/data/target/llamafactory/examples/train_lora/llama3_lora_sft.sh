#!/bin/bash
llamafactory-cli train \
    --model_name_or_path meta-llama/Meta-Llama-3-8B-Instruct \
    --output_dir saves/llama3-8b/lora/sft \
    --evaluation_strategy steps
