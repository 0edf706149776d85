"""Recurrent layers (keras.layers.RNN, SimpleRNN, LSTM, GRU and their cells, ConvLSTM1D/2D/3D)
on the scan primitive, and the wrappers TimeDistributed and Bidirectional."""

from .cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from .conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .recurrent import GRU, LSTM, SimpleRNN
from .rnn import RNN
from .wrappers import Bidirectional, TimeDistributed, Wrapper

__all__ = ["Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "GRU", "GRUCell", "LSTM",
           "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell", "StackedRNNCells", "TimeDistributed",
           "Wrapper"]
