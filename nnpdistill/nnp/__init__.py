"""The NNPs: model, neighbour lists, descriptors, training data, training, ensembles, the ASE calculator."""
