"""The training command of each family: its flags and how they build the task and its data.

Each module holds one `COMMAND` (ganzoo.training.cli.Command), named by its family's registry
record (`command="ganzoo.training.commands.pix2pix:COMMAND"`); ganzoo.training.cli adds the loop's
flags and runs it, as `python -m ganzoo.training FAMILY ...` or `python train/FAMILY.py ...`.
"""
