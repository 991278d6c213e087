python run_clm.py --output_dir out
