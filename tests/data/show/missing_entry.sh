#!/bin/bash
python scripts/not_here.py --output_dir out --fp16 --bf16
python tools/prepare_data.py --input raw.json
