#!/bin/sh
# Prints a local path for the training data. With Kaggle credentials, the tutorial's source
# (fetched once into Orchard's cache). Without them, a synthetic stand-in with the same schema,
# generated once into the cache: this machine may have no internet, and the search still runs.
source="$1"
cache="${ORCHARD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/orchard}"
if [ -f "$source" ]; then
  echo "$source"
elif [ -n "$KAGGLE_USERNAME" ] && [ -n "$KAGGLE_KEY" ] ||
     [ -f "${KAGGLE_CONFIG_DIR:-$HOME/.kaggle}/kaggle.json" ]; then
  orchard datasets fetch "$source"
else
  file="$cache/synthetic/loan-67463-42.csv"
  if [ ! -f "$file" ]; then
    echo "no Kaggle credentials: generating synthetic loan data instead of $source (once)" >&2
    mkdir -p "$cache/synthetic"
    orchard datasets make-loan --rows 67463 --seed 42 -o "$file" >&2
  else
    echo "no Kaggle credentials: using the synthetic loan data in $file" >&2
  fi
  echo "$file"
fi
