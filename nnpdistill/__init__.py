"""nnp-distill: sampling, distillation and training of neural network potentials."""
