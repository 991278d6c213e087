python train.py --output_dir out
