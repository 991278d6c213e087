python run_glue.py --output_dir out
