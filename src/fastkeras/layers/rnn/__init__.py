"""Recurrent layers (keras.layers.RNN, SimpleRNN, LSTM, GRU and their cells) on the scan
primitive, and the wrappers TimeDistributed and Bidirectional."""

from .cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from .recurrent import GRU, LSTM, SimpleRNN
from .rnn import RNN
from .wrappers import Bidirectional, TimeDistributed, Wrapper

__all__ = ["Bidirectional", "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN",
           "SimpleRNNCell", "StackedRNNCells", "TimeDistributed", "Wrapper"]
