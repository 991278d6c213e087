#!/bin/bash
# The second --save_steps wins, as in argparse; eval strategy comes from the environment.
torchrun --nproc_per_node 2 ../../../fixtures/rules/src/train_best.py \
    --output_dir out/first \
    --save_steps 100 \
    --eval_strategy $EVAL_STRATEGY \
    --save_steps 200
