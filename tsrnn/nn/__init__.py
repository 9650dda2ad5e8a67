"""The torch/Lightning layer: cells, networks, the LightningModule and the on-device batch sampler.

Nothing here knows about pandas or scikit-learn; `tsrnn.forecasters.rnn` is the only bridge into it.
"""
