// Family kernels called by dispatch.cpp's run_op switch, one entry point per op (or per
// family where the op is a parameter). Each reads its operands from the OpCall: inputs
// first, then outputs; attributes as documented in src/fastkeras/graph/primitives/.
#pragma once

#include "fastkeras/tensor.hpp"

namespace fk::kernels {

// shapes.cpp: operand shapes against the op's shape rule (run before any kernel below).
Status check_shapes(const OpCall& c);
// dispatch.cpp: the inputs a call of `op` takes (-1: one or more).
int op_inputs(Op op);

// elementwise.cpp: negative .. tanh (one input), relu/sigmoid/tanh_grad (y or x, g).
Status same_shape_loop(const OpCall& c);
// binary.cpp: add, subtract, multiply, divide; equal, greater (bool out).
Status binary(const OpCall& c);
Status compare(const OpCall& c);
// nn.cpp: bias_add; softmax, log_softmax and their grads.
Status bias_add(const OpCall& c);
Status softmax_family(const OpCall& c);
// matmul.cpp: op(a) @ op(b) through the ISA-dispatched GEMM, and the GEMM-based fusions.
Status matmul(const OpCall& c);
Status dense(const OpCall& c);
Status matmul_act_grad(const OpCall& c);
// reduce.cpp: sum, mean, max over an axes mask; argmax along one axis.
Status reduce(const OpCall& c);
Status argmax(const OpCall& c);
Status moments(const OpCall& c);
// shape.cpp: data movement by element size.
Status reshape(const OpCall& c);
Status transpose(const OpCall& c);
Status broadcast_to(const OpCall& c);
Status concatenate(const OpCall& c);
Status slice(const OpCall& c);
Status pad(const OpCall& c);
// gather.cpp: row gather and its transpose.
Status take(const OpCall& c);
Status scatter_add(const OpCall& c);
// cast.cpp
Status cast(const OpCall& c);
// losses.cpp: per-sample losses and their gradients.
Status loss(const OpCall& c);
Status loss_grad(const OpCall& c);
// fused_losses.cpp: loss gradients through sigmoid / softmax, wrt the logits.
Status loss_act_grad(const OpCall& c);
// program.cpp: a fused elementwise program, and its encoding's check (from check_shapes);
// one float64 instruction loop (program_ops.inc; float32: ew::table().program_op).
Status elementwise_program(const OpCall& c);
// recurrent.cpp: one LSTM / GRU step and their gradients (lstm_cell .. gru_cell_grad).
Status recurrent_cell(const OpCall& c);
Status program_shapes(const OpCall& c);
bool program_op_f64(int32_t op, const double* a, const double* b, double* d, int64_t n);
// updates.cpp: in-place effect ops.
Status sgd_update(const OpCall& c);
Status sgd_momentum_update(const OpCall& c);
Status adam_update(const OpCall& c);
Status batch_matmul(const OpCall& c);
Status increment(const OpCall& c);
Status accumulate(const OpCall& c);
Status assign(const OpCall& c);
Status constrain(const OpCall& c);
// random.cpp: counter-based random numbers.
Status random(const OpCall& c);
// pooling.cpp: max pooling with its argmax, and the scatter of its gradient.
Status max_pool(const OpCall& c);
Status max_pool_grad(const OpCall& c);

// windows.cpp: the patch matrix of sliding windows and its transpose.
Status im2col(const OpCall& c);
Status col2im(const OpCall& c);

// sort.cpp: rows ordered along the last axis (the first k), with their int32 positions.
Status sort(const OpCall& c);
// sort.cpp: whether each target's score ranks within the first k of its row (bool).
Status in_top_k(const OpCall& c);

}  // namespace fk::kernels
