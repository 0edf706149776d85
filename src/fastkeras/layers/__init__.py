"""Keras layers."""

from .activation import Activation
from .activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .core import Embedding, Identity, Lambda
from .reversible_embedding import ReversibleEmbedding
from .dense import Dense
from .hashed_crossing import HashedCrossing
from .hashing import Hashing
from .input_layer import Input, InputLayer
from .keras_tensor import KerasTensor
from .layer import Layer
from .lookups import IntegerLookup, StringLookup
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                      average, concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization, LayerNormalization, UnitNormalization
from .group_normalization import GroupNormalization
from .rms_normalization import RMSNormalization
from .preprocessing import CategoryEncoding, Discretization, Normalization, Rescaling
from .regularization import (ActivityRegularization, AlphaDropout, Dropout, GaussianDropout,
                             GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from .reshaping import Flatten, Permute, RepeatVector, Reshape
from .convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D,
                            Conv3DTranspose, Convolution1D, Convolution1DTranspose,
                            Convolution2D, Convolution2DTranspose, Convolution3D,
                            Convolution3DTranspose, DepthwiseConv1D, DepthwiseConv2D,
                            SeparableConv1D, SeparableConv2D, SeparableConvolution1D,
                            SeparableConvolution2D)
from .pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D,
                      AvgPool3D, MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D, MaxPooling2D,
                      MaxPooling3D)
from .rnn import (GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell,
                  StackedRNNCells, TimeDistributed, Wrapper)
from .global_pooling import (GlobalAveragePooling1D, GlobalAveragePooling2D,
                             GlobalAveragePooling3D, GlobalMaxPooling1D, GlobalMaxPooling2D,
                             GlobalMaxPooling3D)
from .masking import Masking
from .padding import (Cropping1D, Cropping2D, Cropping3D, ZeroPadding1D, ZeroPadding2D,
                      ZeroPadding3D)
from .upsampling import UpSampling1D, UpSampling2D, UpSampling3D
from .attention import AdditiveAttention, Attention, MultiHeadAttention
from .einsum_dense import EinsumDense
from .attention.grouped_query_attention import GroupedQueryAttention
from .image_preprocessing import CenterCrop, Resizing
from .adaptive_pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D,
                               AdaptiveAveragePooling3D, AdaptiveMaxPooling1D,
                               AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from .rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .input_spec import InputSpec
from .text_vectorization import TextVectorization
from .spectral_normalization import SpectralNormalization
from . import op_layer  # noqa: F401  (registers keras.ops on KerasTensors)
from . import (augmentation_pipelines, random_color, random_filters, random_geometric,
               random_geometric_more, random_mixing)

# Modules that list their layers in __all__ (the image augmentation layers).
for _module in (random_color, random_geometric, random_geometric_more, random_filters,
                random_mixing, augmentation_pipelines):
    globals().update({_n: getattr(_module, _n) for _n in _module.__all__})
del _module

GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
# Keras exports GroupQueryAttention; its configs name the class GroupedQueryAttention.
GroupQueryAttention = GroupedQueryAttention


def deserialize(config, custom_objects=None):
    """A layer from its Keras config ({"module", "class_name", "config", ...}, or the older
    {"class_name", "config"}): fastkeras's layers, registered ones, or `custom_objects`."""
    from ..saving.serialization_lib import deserialize_keras_object
    layers = {k: v for k, v in globals().items() if isinstance(v, type) and issubclass(v, Layer)}
    obj = deserialize_keras_object(config, custom_objects, module_objects=layers)
    if not isinstance(obj, Layer):
        raise ValueError(f"`keras.layers.deserialize` was passed a `config` object that is not "
                         f"a `keras.layers.Layer`. Received: {config}")
    return obj


def serialize(layer):
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(layer)


__all__ = sorted(n for n, v in dict(globals()).items()
                 if not n.startswith("_") and (isinstance(v, type) or callable(v))
                 and n not in ("op_layer", "random_color", "random_geometric",
                               "random_geometric_more", "random_filters", "random_mixing",
                               "augmentation_pipelines"))
