#!/bin/bash
# Train examples/train_ddp.py (or `sciml train CONFIG`) on 2 nodes with SLURM: one torchrun per
# node, which starts one process per GPU (or per chosen CPU slot) and joins the others through a
# c10d rendezvous on the first node.  Submit from the repository root: sbatch examples/slurm_train.sh
# Adjust the resources to your cluster; the rest needs no change.
#SBATCH --job-name=sciml-ddp
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=16
#SBATCH --time=01:00:00
#SBATCH --output=%x-%j.out
set -euo pipefail

PROCESSES_PER_NODE=${PROCESSES_PER_NODE:-${SLURM_GPUS_ON_NODE:-4}}
HEAD_NODE=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
export OMP_NUM_THREADS=$(( SLURM_CPUS_PER_TASK / PROCESSES_PER_NODE > 0 ? SLURM_CPUS_PER_TASK / PROCESSES_PER_NODE : 1 ))

# The checkpoint must be on a file system every node sees: rank 0 writes it, every rank reads
# it when the job is resubmitted (it then resumes, on any number of nodes).
# With CONFIG=path/to/train.yaml set, the job runs `sciml train CONFIG` instead of the script
# (sbatch --export=ALL,CONFIG=examples/train_deeponet.yaml examples/slurm_train.sh).
if [ -n "${CONFIG:-}" ]; then
    TRAIN=(-m sciml.cli train "$CONFIG" --checkpoint "$PWD/train-$(basename "$CONFIG" .yaml).pt" "$@")
else
    TRAIN=(examples/train_ddp.py --checkpoint "$PWD/darcy-tfno.pt" "$@")
fi
srun .venv/bin/torchrun \
    --nnodes="$SLURM_NNODES" \
    --nproc_per_node="$PROCESSES_PER_NODE" \
    --rdzv_id="$SLURM_JOB_ID" \
    --rdzv_backend=c10d \
    --rdzv_endpoint="$HEAD_NODE:29500" \
    "${TRAIN[@]}"
