"""The notebook source adapter: Jupyter notebooks (``.ipynb``) read through the adapters of the
languages their cells hold (bash for ``!`` commands and ``%%bash`` cells, Python for the rest),
with every span and every edit mapped between a cell's text and the notebook's JSON."""
