python run_bert.py --do_train --output_dir checkpoints --num_train_epochs 3
