// RecRepro native kernels: a small N-API addon over OpenBLAS (sgemm) plus fused elementwise
// helpers used by the tfjs 'cpu' backend kernels registered in src/engine/native.ts.
//
// Only node_api.h (N-API, ABI-stable) is used, so the built .node file works with any Node
// version >= 16 on the same platform. All functions are synchronous and operate in place on
// Float32Array / Int32Array memory handed over from JavaScript; no copies are made.
//
// Conventions: matrices are row-major. Every function validates argument counts, types and
// array lengths and throws a JS TypeError/RangeError on mismatch (never reads out of bounds).

#include <node_api.h>
#include <cblas.h>

#include <malloc.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace {

// ---------------------------------------------------------------------------------------------
// Argument helpers
// ---------------------------------------------------------------------------------------------

struct Args {
  napi_env env;
  size_t argc = 24;
  napi_value argv[24];
  bool ok = true;
};

bool Throw(napi_env env, const char* code, const std::string& msg) {
  napi_throw_error(env, code, msg.c_str());
  return false;
}

bool GetArgs(napi_env env, napi_callback_info info, Args* a, size_t want, const char* fn) {
  a->env = env;
  a->argc = 24;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, nullptr, nullptr) != napi_ok) {
    return Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": cannot read arguments");
  }
  if (a->argc < want) {
    return Throw(env, "ERR_RECREPRO_ARGS",
                 std::string(fn) + ": expected " + std::to_string(want) + " arguments, got " +
                     std::to_string(a->argc));
  }
  return true;
}

bool GetInt64(napi_env env, napi_value v, int64_t* out, const char* fn, const char* name) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_boolean) {
    bool b;
    napi_get_value_bool(env, v, &b);
    *out = b ? 1 : 0;
    return true;
  }
  if (t != napi_number) {
    return Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": " + name + " must be a number");
  }
  napi_get_value_int64(env, v, out);
  return true;
}

bool GetDouble(napi_env env, napi_value v, double* out, const char* fn, const char* name) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t != napi_number) {
    return Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": " + name + " must be a number");
  }
  napi_get_value_double(env, v, out);
  return true;
}

bool IsNullish(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_null || t == napi_undefined;
}

template <typename T>
bool GetTyped(napi_env env, napi_value v, napi_typedarray_type want, T** data, size_t* len,
              const char* fn, const char* name) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) {
    return Throw(env, "ERR_RECREPRO_ARGS",
                 std::string(fn) + ": " + name + " must be a typed array");
  }
  napi_typedarray_type type;
  size_t length;
  void* ptr;
  napi_value ab;
  size_t offset;
  napi_get_typedarray_info(env, v, &type, &length, &ptr, &ab, &offset);
  if (type != want) {
    return Throw(env, "ERR_RECREPRO_ARGS",
                 std::string(fn) + ": " + name + " has the wrong typed-array type");
  }
  *data = static_cast<T*>(ptr);
  *len = length;
  return true;
}

bool GetF32(napi_env env, napi_value v, float** data, size_t* len, const char* fn,
            const char* name) {
  return GetTyped<float>(env, v, napi_float32_array, data, len, fn, name);
}

bool NeedLen(napi_env env, size_t have, int64_t need, const char* fn, const char* name) {
  if (need < 0 || static_cast<int64_t>(have) < need) {
    return Throw(env, "ERR_RECREPRO_RANGE",
                 std::string(fn) + ": " + name + " has " + std::to_string(have) +
                     " elements, needs " + std::to_string(need));
  }
  return true;
}

napi_value Undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value Num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Activations (codes shared with src/engine/native.ts)
// ---------------------------------------------------------------------------------------------

enum Act { ACT_LINEAR = 0, ACT_RELU = 1, ACT_SIGMOID = 2, ACT_RELU6 = 3, ACT_LEAKY = 4, ACT_ELU = 5 };

inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// tfjs relu is Math.max(0, x): NaN stays NaN. (x < 0 ? 0 : x) keeps NaN and vectorises (maxps).
inline float Relu(float x) { return x < 0.0f ? 0.0f : x; }

void ApplyAct(float* y, int64_t n, int act, float alpha) {
  switch (act) {
    case ACT_RELU:
      for (int64_t i = 0; i < n; ++i) y[i] = Relu(y[i]);
      break;
    case ACT_SIGMOID:
      for (int64_t i = 0; i < n; ++i) y[i] = Sigmoid(y[i]);
      break;
    case ACT_RELU6:
      for (int64_t i = 0; i < n; ++i) {
        float v = y[i];
        y[i] = v != v ? v : (v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v));
      }
      break;
    case ACT_LEAKY:
      for (int64_t i = 0; i < n; ++i) y[i] = y[i] < 0.0f ? alpha * y[i] : y[i];
      break;
    case ACT_ELU:
      for (int64_t i = 0; i < n; ++i) y[i] = y[i] >= 0.0f ? y[i] : std::expm1(y[i]);
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// GEMM
// ---------------------------------------------------------------------------------------------

// sgemm(transA, transB, M, N, K, alpha, A, B, beta, C)
//   C[M,N] = alpha * op(A) * op(B) + beta * C, row-major, op(A) is [M,K], op(B) is [K,N].
napi_value Sgemm(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "sgemm";
  if (!GetArgs(env, info, &a, 10, fn)) return nullptr;
  int64_t ta, tb, M, N, K;
  double alpha, beta;
  float *A, *B, *C;
  size_t la, lb, lc;
  if (!GetInt64(env, a.argv[0], &ta, fn, "transA") || !GetInt64(env, a.argv[1], &tb, fn, "transB") ||
      !GetInt64(env, a.argv[2], &M, fn, "M") || !GetInt64(env, a.argv[3], &N, fn, "N") ||
      !GetInt64(env, a.argv[4], &K, fn, "K") || !GetDouble(env, a.argv[5], &alpha, fn, "alpha") ||
      !GetF32(env, a.argv[6], &A, &la, fn, "A") || !GetF32(env, a.argv[7], &B, &lb, fn, "B") ||
      !GetDouble(env, a.argv[8], &beta, fn, "beta") || !GetF32(env, a.argv[9], &C, &lc, fn, "C"))
    return nullptr;
  if (M < 0 || N < 0 || K < 0 || M > INT32_MAX || N > INT32_MAX || K > INT32_MAX) {
    Throw(env, "ERR_RECREPRO_RANGE", "sgemm: bad dimensions");
    return nullptr;
  }
  if (!NeedLen(env, la, M * K, fn, "A") || !NeedLen(env, lb, K * N, fn, "B") ||
      !NeedLen(env, lc, M * N, fn, "C"))
    return nullptr;
  if (M == 0 || N == 0) return Undefined(env);
  if (K == 0) {
    // BLAS with K == 0 scales C by beta; do it here to be explicit.
    for (int64_t i = 0; i < M * N; ++i) C[i] = beta == 0.0 ? 0.0f : static_cast<float>(beta) * C[i];
    return Undefined(env);
  }
  const int lda = ta ? static_cast<int>(M) : static_cast<int>(K);
  const int ldb = tb ? static_cast<int>(K) : static_cast<int>(N);
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(M), static_cast<int>(N), static_cast<int>(K),
              static_cast<float>(alpha), A, lda, B, ldb, static_cast<float>(beta), C,
              static_cast<int>(N));
  return Undefined(env);
}

// sgemmBatched(transA, transB, batch, M, N, K, alpha, A, strideA, B, strideB, beta, C, strideC)
//   for i in [0,batch): C_i = alpha * op(A_i) op(B_i) + beta C_i with X_i = X + i*strideX.
//   A stride of 0 broadcasts that operand over the batch.
napi_value SgemmBatched(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "sgemmBatched";
  if (!GetArgs(env, info, &a, 14, fn)) return nullptr;
  int64_t ta, tb, batch, M, N, K, sA, sB, sC;
  double alpha, beta;
  float *A, *B, *C;
  size_t la, lb, lc;
  if (!GetInt64(env, a.argv[0], &ta, fn, "transA") || !GetInt64(env, a.argv[1], &tb, fn, "transB") ||
      !GetInt64(env, a.argv[2], &batch, fn, "batch") || !GetInt64(env, a.argv[3], &M, fn, "M") ||
      !GetInt64(env, a.argv[4], &N, fn, "N") || !GetInt64(env, a.argv[5], &K, fn, "K") ||
      !GetDouble(env, a.argv[6], &alpha, fn, "alpha") || !GetF32(env, a.argv[7], &A, &la, fn, "A") ||
      !GetInt64(env, a.argv[8], &sA, fn, "strideA") || !GetF32(env, a.argv[9], &B, &lb, fn, "B") ||
      !GetInt64(env, a.argv[10], &sB, fn, "strideB") ||
      !GetDouble(env, a.argv[11], &beta, fn, "beta") || !GetF32(env, a.argv[12], &C, &lc, fn, "C") ||
      !GetInt64(env, a.argv[13], &sC, fn, "strideC"))
    return nullptr;
  if (batch < 0 || M < 0 || N < 0 || K < 0 || sA < 0 || sB < 0 || sC < 0 || M > INT32_MAX ||
      N > INT32_MAX || K > INT32_MAX) {
    Throw(env, "ERR_RECREPRO_RANGE", "sgemmBatched: bad dimensions");
    return nullptr;
  }
  if (batch == 0 || M == 0 || N == 0) return Undefined(env);
  if (!NeedLen(env, la, (batch - 1) * sA + M * K, fn, "A") ||
      !NeedLen(env, lb, (batch - 1) * sB + K * N, fn, "B") ||
      !NeedLen(env, lc, (batch - 1) * sC + M * N, fn, "C"))
    return nullptr;
  if (sC < M * N && batch > 1) {
    Throw(env, "ERR_RECREPRO_RANGE", "sgemmBatched: strideC smaller than M*N (outputs overlap)");
    return nullptr;
  }
  const int lda = ta ? static_cast<int>(M) : static_cast<int>(K);
  const int ldb = tb ? static_cast<int>(K) : static_cast<int>(N);
  for (int64_t i = 0; i < batch; ++i) {
    float* c = C + i * sC;
    if (K == 0) {
      for (int64_t j = 0; j < M * N; ++j) c[j] = beta == 0.0 ? 0.0f : static_cast<float>(beta) * c[j];
      continue;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<int>(M), static_cast<int>(N), static_cast<int>(K),
                static_cast<float>(alpha), A + i * sA, lda, B + i * sB, ldb,
                static_cast<float>(beta), c, static_cast<int>(N));
  }
  return Undefined(env);
}

// ---------------------------------------------------------------------------------------------
// Fused / elementwise helpers
// ---------------------------------------------------------------------------------------------

// biasAct(Y, M, N, bias|null, biasMode, act, alpha)
//   In place on Y[M,N]: Y = act(Y + bias). biasMode: 0 none, 1 row vector [N], 2 scalar [1],
//   3 full [M,N].
napi_value BiasAct(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "biasAct";
  if (!GetArgs(env, info, &a, 7, fn)) return nullptr;
  float* Y;
  size_t ly;
  int64_t M, N, mode, act;
  double alpha;
  if (!GetF32(env, a.argv[0], &Y, &ly, fn, "Y") || !GetInt64(env, a.argv[1], &M, fn, "M") ||
      !GetInt64(env, a.argv[2], &N, fn, "N") || !GetInt64(env, a.argv[4], &mode, fn, "biasMode") ||
      !GetInt64(env, a.argv[5], &act, fn, "act") || !GetDouble(env, a.argv[6], &alpha, fn, "alpha"))
    return nullptr;
  if (M < 0 || N < 0 || !NeedLen(env, ly, M * N, fn, "Y")) return nullptr;
  float* bias = nullptr;
  size_t lb = 0;
  if (mode != 0) {
    if (!GetF32(env, a.argv[3], &bias, &lb, fn, "bias")) return nullptr;
    int64_t need = mode == 1 ? N : (mode == 2 ? 1 : M * N);
    if (!NeedLen(env, lb, need, fn, "bias")) return nullptr;
  }
  const float al = static_cast<float>(alpha);
  for (int64_t i = 0; i < M; ++i) {
    float* y = Y + i * N;
    if (mode == 1) {
      for (int64_t j = 0; j < N; ++j) y[j] += bias[j];
    } else if (mode == 2) {
      const float b = bias[0];
      for (int64_t j = 0; j < N; ++j) y[j] += b;
    } else if (mode == 3) {
      const float* b = bias + i * N;
      for (int64_t j = 0; j < N; ++j) y[j] += b[j];
    }
    ApplyAct(y, N, static_cast<int>(act), al);
  }
  return Undefined(env);
}

// unary(op, X, Y, alpha): Y = op(X) elementwise (Y may alias X).
//   op: 0 relu, 1 sigmoid, 2 step(alpha) [x>0 ? 1 : alpha, NaN stays NaN], 3 relu6,
//       4 leakyrelu(alpha), 5 elu, 6 neg, 7 exp, 8 log, 9 sqrt, 10 square, 11 abs
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "unary";
  if (!GetArgs(env, info, &a, 4, fn)) return nullptr;
  int64_t op;
  float *X, *Y;
  size_t lx, ly;
  double alpha;
  if (!GetInt64(env, a.argv[0], &op, fn, "op") || !GetF32(env, a.argv[1], &X, &lx, fn, "X") ||
      !GetF32(env, a.argv[2], &Y, &ly, fn, "Y") || !GetDouble(env, a.argv[3], &alpha, fn, "alpha"))
    return nullptr;
  if (!NeedLen(env, ly, static_cast<int64_t>(lx), fn, "Y")) return nullptr;
  const int64_t n = static_cast<int64_t>(lx);
  const float al = static_cast<float>(alpha);
  switch (op) {
    case 0: for (int64_t i = 0; i < n; ++i) Y[i] = Relu(X[i]); break;
    case 1: for (int64_t i = 0; i < n; ++i) Y[i] = Sigmoid(X[i]); break;
    case 2:
      for (int64_t i = 0; i < n; ++i) {
        const float v = X[i];
        Y[i] = v != v ? v : (v > 0.0f ? 1.0f : al);
      }
      break;
    case 3:
      for (int64_t i = 0; i < n; ++i) {
        const float v = X[i];
        Y[i] = v != v ? v : (v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v));
      }
      break;
    case 4: for (int64_t i = 0; i < n; ++i) Y[i] = X[i] < 0.0f ? al * X[i] : X[i]; break;
    case 5: for (int64_t i = 0; i < n; ++i) Y[i] = X[i] >= 0.0f ? X[i] : std::expm1(X[i]); break;
    case 6: for (int64_t i = 0; i < n; ++i) Y[i] = -X[i]; break;
    case 7: for (int64_t i = 0; i < n; ++i) Y[i] = std::exp(X[i]); break;
    case 8: for (int64_t i = 0; i < n; ++i) Y[i] = std::log(X[i]); break;
    case 9: for (int64_t i = 0; i < n; ++i) Y[i] = std::sqrt(X[i]); break;
    case 10: for (int64_t i = 0; i < n; ++i) Y[i] = X[i] * X[i]; break;
    case 11: for (int64_t i = 0; i < n; ++i) Y[i] = std::fabs(X[i]); break;
    default:
      Throw(env, "ERR_RECREPRO_ARGS", "unary: unknown op");
      return nullptr;
  }
  return Undefined(env);
}

template <int OP>
inline float Bin(float x, float y) {
  if (OP == 0) return x + y;
  if (OP == 1) return x - y;
  if (OP == 2) return x * y;
  if (OP == 3) return x / y;
  if (OP == 4) return (x - y) * (x - y);
  return x > y ? x : y;  // 5: max (NaN handling differs from tfjs; JS side only uses 0..4)
}

template <int OP>
void BinLoop(const float* A, const float* B, float* Y, int64_t rows, int64_t cols, int mode) {
  // mode 0: same shape; 1: B is a row vector [cols] broadcast over rows; 2: B scalar;
  // 3: A row vector [cols] (B full); 4: A scalar (B full)
  const int64_t n = rows * cols;
  switch (mode) {
    case 0: for (int64_t i = 0; i < n; ++i) Y[i] = Bin<OP>(A[i], B[i]); break;
    case 1:
      for (int64_t r = 0; r < rows; ++r) {
        const float* a = A + r * cols;
        float* y = Y + r * cols;
        for (int64_t j = 0; j < cols; ++j) y[j] = Bin<OP>(a[j], B[j]);
      }
      break;
    case 2: {
      const float b = B[0];
      for (int64_t i = 0; i < n; ++i) Y[i] = Bin<OP>(A[i], b);
      break;
    }
    case 3:
      for (int64_t r = 0; r < rows; ++r) {
        const float* b = B + r * cols;
        float* y = Y + r * cols;
        for (int64_t j = 0; j < cols; ++j) y[j] = Bin<OP>(A[j], b[j]);
      }
      break;
    case 4: {
      const float a = A[0];
      for (int64_t i = 0; i < n; ++i) Y[i] = Bin<OP>(a, B[i]);
      break;
    }
  }
}

// binary(op, A, B, Y, rows, cols, mode): op 0 add, 1 sub, 2 mul, 3 div, 4 squaredDifference.
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "binary";
  if (!GetArgs(env, info, &a, 7, fn)) return nullptr;
  int64_t op, rows, cols, mode;
  float *A, *B, *Y;
  size_t la, lb, ly;
  if (!GetInt64(env, a.argv[0], &op, fn, "op") || !GetF32(env, a.argv[1], &A, &la, fn, "A") ||
      !GetF32(env, a.argv[2], &B, &lb, fn, "B") || !GetF32(env, a.argv[3], &Y, &ly, fn, "Y") ||
      !GetInt64(env, a.argv[4], &rows, fn, "rows") || !GetInt64(env, a.argv[5], &cols, fn, "cols") ||
      !GetInt64(env, a.argv[6], &mode, fn, "mode"))
    return nullptr;
  if (rows < 0 || cols < 0 || mode < 0 || mode > 4) {
    Throw(env, "ERR_RECREPRO_RANGE", "binary: bad rows/cols/mode");
    return nullptr;
  }
  const int64_t n = rows * cols;
  const int64_t needA = mode == 3 ? cols : (mode == 4 ? 1 : n);
  const int64_t needB = mode == 1 ? cols : (mode == 2 ? 1 : n);
  if (!NeedLen(env, la, needA, fn, "A") || !NeedLen(env, lb, needB, fn, "B") ||
      !NeedLen(env, ly, n, fn, "Y"))
    return nullptr;
  const int m = static_cast<int>(mode);
  switch (op) {
    case 0: BinLoop<0>(A, B, Y, rows, cols, m); break;
    case 1: BinLoop<1>(A, B, Y, rows, cols, m); break;
    case 2: BinLoop<2>(A, B, Y, rows, cols, m); break;
    case 3: BinLoop<3>(A, B, Y, rows, cols, m); break;
    case 4: BinLoop<4>(A, B, Y, rows, cols, m); break;
    default:
      Throw(env, "ERR_RECREPRO_ARGS", "binary: unknown op");
      return nullptr;
  }
  return Undefined(env);
}

// reluGrad(dY, X, dX): dX = dY * (X > 0)   (the relu backward mask; X may be pre- or
// post-activation, both have the same sign pattern). dX may alias dY.
napi_value ReluGrad(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "reluGrad";
  if (!GetArgs(env, info, &a, 3, fn)) return nullptr;
  float *dY, *X, *dX;
  size_t l1, l2, l3;
  if (!GetF32(env, a.argv[0], &dY, &l1, fn, "dY") || !GetF32(env, a.argv[1], &X, &l2, fn, "X") ||
      !GetF32(env, a.argv[2], &dX, &l3, fn, "dX"))
    return nullptr;
  if (!NeedLen(env, l2, static_cast<int64_t>(l1), fn, "X") ||
      !NeedLen(env, l3, static_cast<int64_t>(l1), fn, "dX"))
    return nullptr;
  const int64_t n = static_cast<int64_t>(l1);
  for (int64_t i = 0; i < n; ++i) dX[i] = X[i] > 0.0f ? dY[i] : 0.0f;
  return Undefined(env);
}

// colSum(X, M, N, out, accumulate): out[j] (+)= sum_i X[i,j] (bias gradient of a dense layer).
napi_value ColSum(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "colSum";
  if (!GetArgs(env, info, &a, 5, fn)) return nullptr;
  float *X, *out;
  size_t lx, lo;
  int64_t M, N, acc;
  if (!GetF32(env, a.argv[0], &X, &lx, fn, "X") || !GetInt64(env, a.argv[1], &M, fn, "M") ||
      !GetInt64(env, a.argv[2], &N, fn, "N") || !GetF32(env, a.argv[3], &out, &lo, fn, "out") ||
      !GetInt64(env, a.argv[4], &acc, fn, "accumulate"))
    return nullptr;
  if (M < 0 || N < 0 || !NeedLen(env, lx, M * N, fn, "X") || !NeedLen(env, lo, N, fn, "out"))
    return nullptr;
  // Double accumulators (like tfjs's JS-number sums), rows streamed in order (vectorisable).
  double* acc_d = static_cast<double*>(std::calloc(static_cast<size_t>(N > 0 ? N : 1), sizeof(double)));
  if (!acc_d) {
    Throw(env, "ERR_RECREPRO_OOM", "colSum: out of memory");
    return nullptr;
  }
  for (int64_t i = 0; i < M; ++i) {
    const float* x = X + i * N;
    for (int64_t j = 0; j < N; ++j) acc_d[j] += static_cast<double>(x[j]);
  }
  for (int64_t j = 0; j < N; ++j)
    out[j] = static_cast<float>(acc ? static_cast<double>(out[j]) + acc_d[j] : acc_d[j]);
  std::free(acc_d);
  return Undefined(env);
}

// rowSum(X, M, N, out): out[i] = sum_j X[i,j] (reduction over the innermost axis).
napi_value RowSum(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "rowSum";
  if (!GetArgs(env, info, &a, 4, fn)) return nullptr;
  float *X, *out;
  size_t lx, lo;
  int64_t M, N;
  if (!GetF32(env, a.argv[0], &X, &lx, fn, "X") || !GetInt64(env, a.argv[1], &M, fn, "M") ||
      !GetInt64(env, a.argv[2], &N, fn, "N") || !GetF32(env, a.argv[3], &out, &lo, fn, "out"))
    return nullptr;
  if (M < 0 || N < 0 || !NeedLen(env, lx, M * N, fn, "X") || !NeedLen(env, lo, M, fn, "out"))
    return nullptr;
  for (int64_t i = 0; i < M; ++i) {
    const float* x = X + i * N;
    // 4 double partial sums: vectorisable, at least as accurate as tfjs's JS-number sum.
    double p[4] = {0, 0, 0, 0};
    int64_t j = 0;
    for (; j + 4 <= N; j += 4)
      for (int k = 0; k < 4; ++k) p[k] += static_cast<double>(x[j + k]);
    double s = (p[0] + p[1]) + (p[2] + p[3]);
    for (; j < N; ++j) s += static_cast<double>(x[j]);
    out[i] = static_cast<float>(s);
  }
  return Undefined(env);
}

// ---------------------------------------------------------------------------------------------
// Embedding helpers (row gather / scatter-add / row-wise Adam) for typed-array tables
// ---------------------------------------------------------------------------------------------

// gatherRows(table, dim, ids Int32Array, out): out[k,:] = table[ids[k],:]
napi_value GatherRows(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "gatherRows";
  if (!GetArgs(env, info, &a, 4, fn)) return nullptr;
  float *T, *out;
  int32_t* ids;
  size_t lt, li, lo;
  int64_t dim;
  if (!GetF32(env, a.argv[0], &T, &lt, fn, "table") || !GetInt64(env, a.argv[1], &dim, fn, "dim") ||
      !GetTyped<int32_t>(env, a.argv[2], napi_int32_array, &ids, &li, fn, "ids") ||
      !GetF32(env, a.argv[3], &out, &lo, fn, "out"))
    return nullptr;
  if (dim <= 0 || !NeedLen(env, lo, static_cast<int64_t>(li) * dim, fn, "out")) return nullptr;
  const int64_t rows = static_cast<int64_t>(lt) / dim;
  for (size_t k = 0; k < li; ++k) {
    const int64_t r = ids[k];
    if (r < 0 || r >= rows) {
      Throw(env, "ERR_RECREPRO_RANGE", "gatherRows: id " + std::to_string(r) + " out of range");
      return nullptr;
    }
    std::memcpy(out + k * dim, T + r * dim, sizeof(float) * static_cast<size_t>(dim));
  }
  return Undefined(env);
}


// spmm(indptr Int32 [R+1], indices Int32, values F32, x F32 [C, dim], dim, numCols, out F32 [R, dim]):
// Y = A·X for a CSR matrix A (gather of the neighbour rows of X + a weighted segment sum per row),
// rows split over the BLAS thread count. Every column index is checked before anything is written.
napi_value Spmm(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "spmm";
  if (!GetArgs(env, info, &a, 7, fn)) return nullptr;
  int32_t *indptr, *indices;
  float *values, *X, *Y;
  size_t lp, li, lv, lx, ly;
  int64_t dim, numCols;
  if (!GetTyped<int32_t>(env, a.argv[0], napi_int32_array, &indptr, &lp, fn, "indptr") ||
      !GetTyped<int32_t>(env, a.argv[1], napi_int32_array, &indices, &li, fn, "indices") ||
      !GetF32(env, a.argv[2], &values, &lv, fn, "values") || !GetF32(env, a.argv[3], &X, &lx, fn, "x") ||
      !GetInt64(env, a.argv[4], &dim, fn, "dim") || !GetInt64(env, a.argv[5], &numCols, fn, "numCols") ||
      !GetF32(env, a.argv[6], &Y, &ly, fn, "out"))
    return nullptr;
  if (lp < 1 || dim <= 0 || numCols < 0) {
    Throw(env, "ERR_RECREPRO_RANGE", "spmm: empty indptr or bad dim / numCols");
    return nullptr;
  }
  const int64_t R = static_cast<int64_t>(lp) - 1;
  if (!NeedLen(env, lv, static_cast<int64_t>(li), fn, "values") ||
      !NeedLen(env, lx, numCols * dim, fn, "x") || !NeedLen(env, ly, R * dim, fn, "out"))
    return nullptr;
  if (indptr[0] != 0 || static_cast<size_t>(indptr[R]) != li) {
    Throw(env, "ERR_RECREPRO_RANGE", "spmm: indptr must start at 0 and end at the entry count");
    return nullptr;
  }
  for (int64_t r = 0; r < R; ++r) {
    if (indptr[r + 1] < indptr[r]) {
      Throw(env, "ERR_RECREPRO_RANGE", "spmm: indptr decreases at row " + std::to_string(r));
      return nullptr;
    }
  }
  for (size_t e = 0; e < li; ++e) {
    if (indices[e] < 0 || indices[e] >= numCols) {
      Throw(env, "ERR_RECREPRO_RANGE",
            "spmm: column " + std::to_string(indices[e]) + " of entry " + std::to_string(e) + " out of range");
      return nullptr;
    }
  }
  auto work = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* y = Y + r * dim;
      std::memset(y, 0, sizeof(float) * static_cast<size_t>(dim));
      for (int32_t e = indptr[r]; e < indptr[r + 1]; ++e) {
        // In double and rounded once per entry, as the JavaScript kernel: bit-identical results.
        const double w = values[e];
        const float* x = X + static_cast<int64_t>(indices[e]) * dim;
        for (int64_t d = 0; d < dim; ++d) y[d] = static_cast<float>(static_cast<double>(y[d]) + w * x[d]);
      }
    }
  };
  int nt = openblas_get_num_threads();
  const int64_t nnz = static_cast<int64_t>(li);
  if (nt < 1 || nnz * dim < (1 << 16)) nt = 1;
  if (nt == 1) {
    work(0, R);
  } else {
    // Split rows so every thread gets about the same number of entries.
    std::vector<int64_t> cut(nt + 1, R);
    cut[0] = 0;
    int64_t r = 0;
    for (int t = 1; t < nt; ++t) {
      const int64_t target = nnz * t / nt;
      while (r < R && indptr[r] < target) ++r;
      cut[t] = r;
    }
    std::vector<std::thread> pool;
    for (int t = 1; t < nt; ++t) pool.emplace_back(work, cut[t], cut[t + 1]);
    work(cut[0], cut[1]);
    for (auto& th : pool) th.join();
  }
  return Undefined(env);
}

// scatterAddRows(out, dim, ids Int32Array, grads): out[ids[k],:] += grads[k,:]
napi_value ScatterAddRows(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "scatterAddRows";
  if (!GetArgs(env, info, &a, 4, fn)) return nullptr;
  float *T, *G;
  int32_t* ids;
  size_t lt, li, lg;
  int64_t dim;
  if (!GetF32(env, a.argv[0], &T, &lt, fn, "out") || !GetInt64(env, a.argv[1], &dim, fn, "dim") ||
      !GetTyped<int32_t>(env, a.argv[2], napi_int32_array, &ids, &li, fn, "ids") ||
      !GetF32(env, a.argv[3], &G, &lg, fn, "grads"))
    return nullptr;
  if (dim <= 0 || !NeedLen(env, lg, static_cast<int64_t>(li) * dim, fn, "grads")) return nullptr;
  const int64_t rows = static_cast<int64_t>(lt) / dim;
  for (size_t k = 0; k < li; ++k) {
    const int64_t r = ids[k];
    if (r < 0 || r >= rows) {
      Throw(env, "ERR_RECREPRO_RANGE", "scatterAddRows: id " + std::to_string(r) + " out of range");
      return nullptr;
    }
    float* t = T + r * dim;
    const float* g = G + k * dim;
    for (int64_t j = 0; j < dim; ++j) t[j] += g[j];
  }
  return Undefined(env);
}

// dedupRows(ids Int32Array, grads [n,dim], dim, stamp Int32Array(rows), slot Int32Array(rows),
//           stampValue, uniqOut Int32Array(n), sumOut [n,dim]) -> number of unique ids
//   Sums the gradient rows of duplicate ids (first-occurrence order). stamp/slot are caller-owned
//   scratch of one entry per table row; stamp[r] == stampValue marks r as seen in this call, so
//   pass a new stampValue (e.g. the step counter) each call and nothing needs clearing.
napi_value DedupRows(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "dedupRows";
  if (!GetArgs(env, info, &a, 8, fn)) return nullptr;
  int32_t *ids, *stamp, *slot, *uniq;
  float *G, *S;
  size_t li, lg, ls, lsl, lu, lsum;
  int64_t dim, sv;
  if (!GetTyped<int32_t>(env, a.argv[0], napi_int32_array, &ids, &li, fn, "ids") ||
      !GetF32(env, a.argv[1], &G, &lg, fn, "grads") || !GetInt64(env, a.argv[2], &dim, fn, "dim") ||
      !GetTyped<int32_t>(env, a.argv[3], napi_int32_array, &stamp, &ls, fn, "stamp") ||
      !GetTyped<int32_t>(env, a.argv[4], napi_int32_array, &slot, &lsl, fn, "slot") ||
      !GetInt64(env, a.argv[5], &sv, fn, "stampValue") ||
      !GetTyped<int32_t>(env, a.argv[6], napi_int32_array, &uniq, &lu, fn, "uniqOut") ||
      !GetF32(env, a.argv[7], &S, &lsum, fn, "sumOut"))
    return nullptr;
  if (dim <= 0 || !NeedLen(env, lg, static_cast<int64_t>(li) * dim, fn, "grads") ||
      !NeedLen(env, lsl, static_cast<int64_t>(ls), fn, "slot") ||
      !NeedLen(env, lu, static_cast<int64_t>(li), fn, "uniqOut") ||
      !NeedLen(env, lsum, static_cast<int64_t>(li) * dim, fn, "sumOut"))
    return nullptr;
  const int32_t stampV = static_cast<int32_t>(sv);
  const int64_t rows = static_cast<int64_t>(ls);
  int64_t n = 0;
  for (size_t k = 0; k < li; ++k) {
    const int64_t r = ids[k];
    if (r < 0 || r >= rows) {
      Throw(env, "ERR_RECREPRO_RANGE", "dedupRows: id " + std::to_string(r) + " out of range");
      return nullptr;
    }
    const float* g = G + k * dim;
    if (stamp[r] != stampV) {
      stamp[r] = stampV;
      slot[r] = static_cast<int32_t>(n);
      uniq[n] = static_cast<int32_t>(r);
      std::memcpy(S + n * dim, g, sizeof(float) * static_cast<size_t>(dim));
      ++n;
    } else {
      float* o = S + static_cast<int64_t>(slot[r]) * dim;
      for (int64_t j = 0; j < dim; ++j) o[j] += g[j];
    }
  }
  return Num(env, static_cast<double>(n));
}

// sumDuplicates(ids Int32Array [n], grads, gradOffset, gradStride, dim, slot Int32Array(rows),
//               uniqOut Int32Array(n), sumOut [n*dim]) -> number of unique ids (abiVersion >= 4)
//   The embedding tables' duplicate sum (src/engine/embedding-table.ts sumDuplicates) with the
//   same arithmetic: rows in first-occurrence order, float adds in id order (the JavaScript
//   version's double add of two floats rounded to float is the same value). Gradient row k starts
//   at gradOffset + k*gradStride. `slot` is the caller's scratch of one entry per table row, all -1
//   on entry and restored to -1 on return. An id outside [0, rows) returns -(k+1) for its
//   position k, nothing else written (the caller raises its own error).
napi_value SumDuplicates(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "sumDuplicates";
  if (!GetArgs(env, info, &a, 8, fn)) return nullptr;
  int32_t *ids, *slot, *uniq;
  float *G, *S;
  size_t li, lg, ls, lu, lsum;
  int64_t off, stride, dim;
  if (!GetTyped<int32_t>(env, a.argv[0], napi_int32_array, &ids, &li, fn, "ids") ||
      !GetF32(env, a.argv[1], &G, &lg, fn, "grads") || !GetInt64(env, a.argv[2], &off, fn, "gradOffset") ||
      !GetInt64(env, a.argv[3], &stride, fn, "gradStride") || !GetInt64(env, a.argv[4], &dim, fn, "dim") ||
      !GetTyped<int32_t>(env, a.argv[5], napi_int32_array, &slot, &ls, fn, "slot") ||
      !GetTyped<int32_t>(env, a.argv[6], napi_int32_array, &uniq, &lu, fn, "uniqOut") ||
      !GetF32(env, a.argv[7], &S, &lsum, fn, "sumOut"))
    return nullptr;
  const int64_t n = static_cast<int64_t>(li);
  if (dim <= 0 || off < 0 || stride < dim) {
    Throw(env, "ERR_RECREPRO_RANGE", "sumDuplicates: bad dim, gradOffset or gradStride");
    return nullptr;
  }
  if ((n > 0 && !NeedLen(env, lg, off + (n - 1) * stride + dim, fn, "grads")) ||
      !NeedLen(env, lu, n, fn, "uniqOut") || !NeedLen(env, lsum, n * dim, fn, "sumOut"))
    return nullptr;
  const int64_t rows = static_cast<int64_t>(ls);
  for (int64_t k = 0; k < n; ++k)
    if (ids[k] < 0 || ids[k] >= rows) return Num(env, static_cast<double>(-(k + 1)));
  int64_t nu = 0;
  for (int64_t k = 0; k < n; ++k) {
    const int32_t r = ids[k];
    const float* g = G + off + k * stride;
    int32_t sl = slot[r];
    if (sl < 0) {
      sl = static_cast<int32_t>(nu++);
      slot[r] = sl;
      uniq[sl] = r;
      std::memcpy(S + static_cast<int64_t>(sl) * dim, g, sizeof(float) * static_cast<size_t>(dim));
    } else {
      float* o = S + static_cast<int64_t>(sl) * dim;
      for (int64_t j = 0; j < dim; ++j) o[j] += g[j];
    }
  }
  for (int64_t j = 0; j < nu; ++j) slot[uniq[j]] = -1;
  return Num(env, static_cast<double>(nu));
}

// adamRows(table, m, v, dim, rows Int32Array (unique), grads [n,dim], lr, beta1, beta2, eps, step
//          [, weightDecay])
//   Row-wise ("lazy") Adam: only the listed rows are updated, with bias correction at `step`.
//   weightDecay (optional, default 0; ABI >= 2): g' = g + wd*w for those rows before the moments
//   (PyTorch Adam's L2 weight_decay, applied lazily to the looked-up rows only).
napi_value AdamRows(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "adamRows";
  if (!GetArgs(env, info, &a, 11, fn)) return nullptr;
  float *T, *Mm, *V, *G;
  int32_t* rows;
  size_t lt, lm, lv, lr, lg;
  int64_t dim, step;
  double lr_, b1, b2, eps;
  if (!GetF32(env, a.argv[0], &T, &lt, fn, "table") || !GetF32(env, a.argv[1], &Mm, &lm, fn, "m") ||
      !GetF32(env, a.argv[2], &V, &lv, fn, "v") || !GetInt64(env, a.argv[3], &dim, fn, "dim") ||
      !GetTyped<int32_t>(env, a.argv[4], napi_int32_array, &rows, &lr, fn, "rows") ||
      !GetF32(env, a.argv[5], &G, &lg, fn, "grads") || !GetDouble(env, a.argv[6], &lr_, fn, "lr") ||
      !GetDouble(env, a.argv[7], &b1, fn, "beta1") || !GetDouble(env, a.argv[8], &b2, fn, "beta2") ||
      !GetDouble(env, a.argv[9], &eps, fn, "eps") || !GetInt64(env, a.argv[10], &step, fn, "step"))
    return nullptr;
  double wd = 0.0;
  if (a.argc > 11 && !GetDouble(env, a.argv[11], &wd, fn, "weightDecay")) return nullptr;
  if (dim <= 0 || step < 1 || !NeedLen(env, lm, static_cast<int64_t>(lt), fn, "m") ||
      !NeedLen(env, lv, static_cast<int64_t>(lt), fn, "v") ||
      !NeedLen(env, lg, static_cast<int64_t>(lr) * dim, fn, "grads"))
    return nullptr;
  const int64_t nrows = static_cast<int64_t>(lt) / dim;
  const double bc1 = 1.0 - std::pow(b1, static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(b2, static_cast<double>(step));
  const float stepSize = static_cast<float>(lr_ / bc1);
  const float invSqrtBc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2), feps = static_cast<float>(eps);
  const float fwd = static_cast<float>(wd);
  for (size_t k = 0; k < lr; ++k) {
    const int64_t r = rows[k];
    if (r < 0 || r >= nrows) {
      Throw(env, "ERR_RECREPRO_RANGE", "adamRows: row " + std::to_string(r) + " out of range");
      return nullptr;
    }
    float* t = T + r * dim;
    float* m = Mm + r * dim;
    float* v = V + r * dim;
    const float* g = G + k * dim;
    if (fwd == 0.0f) {
      for (int64_t j = 0; j < dim; ++j) {
        m[j] = fb1 * m[j] + (1.0f - fb1) * g[j];
        v[j] = fb2 * v[j] + (1.0f - fb2) * g[j] * g[j];
        t[j] -= stepSize * m[j] / (std::sqrt(v[j]) * invSqrtBc2 + feps);
      }
    } else {
      for (int64_t j = 0; j < dim; ++j) {
        const float gj = g[j] + fwd * t[j];
        m[j] = fb1 * m[j] + (1.0f - fb1) * gj;
        v[j] = fb2 * v[j] + (1.0f - fb2) * gj * gj;
        t[j] -= stepSize * m[j] / (std::sqrt(v[j]) * invSqrtBc2 + feps);
      }
    }
  }
  return Undefined(env);
}

// adamDense(w, g, m, v, lr, beta1, beta2, eps, step, weightDecay): in place over whole arrays,
//   PyTorch Adam semantics (as src/train/dense-optim.ts): g' = g + wd*w; m = b1 m + (1-b1) g';
//   v = b2 v + (1-b2) g'^2; w -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps*sqrt(1-b2^t)).
napi_value AdamDense(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "adamDense";
  if (!GetArgs(env, info, &a, 10, fn)) return nullptr;
  float *W, *G, *Mm, *V;
  size_t lw, lg, lm, lv;
  double lr, b1, b2, eps, wd;
  int64_t step;
  if (!GetF32(env, a.argv[0], &W, &lw, fn, "w") || !GetF32(env, a.argv[1], &G, &lg, fn, "g") ||
      !GetF32(env, a.argv[2], &Mm, &lm, fn, "m") || !GetF32(env, a.argv[3], &V, &lv, fn, "v") ||
      !GetDouble(env, a.argv[4], &lr, fn, "lr") || !GetDouble(env, a.argv[5], &b1, fn, "beta1") ||
      !GetDouble(env, a.argv[6], &b2, fn, "beta2") || !GetDouble(env, a.argv[7], &eps, fn, "eps") ||
      !GetInt64(env, a.argv[8], &step, fn, "step") || !GetDouble(env, a.argv[9], &wd, fn, "weightDecay"))
    return nullptr;
  const int64_t n = static_cast<int64_t>(lw);
  if (step < 1 || !NeedLen(env, lg, n, fn, "g") || !NeedLen(env, lm, n, fn, "m") || !NeedLen(env, lv, n, fn, "v"))
    return nullptr;
  const double bc2s = std::sqrt(1.0 - std::pow(b2, static_cast<double>(step)));
  const float stepSize = static_cast<float>(lr * bc2s / (1.0 - std::pow(b1, static_cast<double>(step))));
  const float epsHat = static_cast<float>(eps * bc2s);
  const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2), fwd = static_cast<float>(wd);
  for (int64_t i = 0; i < n; ++i) {
    const float g = G[i] + fwd * W[i];
    const float m = fb1 * Mm[i] + (1.0f - fb1) * g;
    const float v = fb2 * V[i] + (1.0f - fb2) * g * g;
    Mm[i] = m;
    V[i] = v;
    W[i] -= stepSize * m / (std::sqrt(v) + epsHat);
  }
  return Undefined(env);
}

// ---------------------------------------------------------------------------------------------
// DIN attention, fused (abiVersion >= 4): activation unit over [q, k, q - k, q * k] on the valid
// slots only, masked softmax, weighted sum of the values; forward and backward in one call each.
// The JavaScript side (src/models/layers/din-fused.ts) wraps them in one tf.customGrad op; the
// tfjs path of src/models/layers/attention.ts computes the same function op by op and is the
// reference the tests compare with.
//
// Shapes: query [N, D], keys / values [N, L, D], pos [V] = flat slots n*L + l of the valid
// positions (strictly increasing), layers i = 0..m-1 with widths H[i] (H[m-1] = 1):
// W0 [4D, H0] (row blocks q, k, q - k, q * k), Wi [H(i-1), Hi], biases [Hi] or null; act
// (1 relu, 2 sigmoid) after every layer but the last. First layer without the [V, 4D] input:
// q(Wq + Wd) + k(Wk - Wd) + (q * k) Wp + b.
// ---------------------------------------------------------------------------------------------

struct F32List {
  std::vector<float*> p;
  std::vector<size_t> n;
};

bool GetF32List(napi_env env, napi_value v, F32List* out, const char* fn, const char* name) {
  bool is_arr = false;
  napi_is_array(env, v, &is_arr);
  if (!is_arr) return Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": " + name + " must be an array");
  uint32_t len = 0;
  napi_get_array_length(env, v, &len);
  out->p.assign(len, nullptr);
  out->n.assign(len, 0);
  for (uint32_t i = 0; i < len; ++i) {
    napi_value e;
    napi_get_element(env, v, i, &e);
    if (IsNullish(env, e)) continue;
    const std::string nm = std::string(name) + "[" + std::to_string(i) + "]";
    if (!GetF32(env, e, &out->p[i], &out->n[i], fn, nm.c_str())) return false;
  }
  return true;
}

// C[M,N] = op(A) op(B) + beta C, row-major; K == 0 scales C by beta.
void Gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, const float* B,
          float beta, float* C) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M * N; ++i) C[i] = beta == 0.0f ? 0.0f : beta * C[i];
    return;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), 1.0f, A,
              static_cast<int>(ta ? M : K), B, static_cast<int>(tb ? K : N), beta, C,
              static_cast<int>(N));
}

struct Din {
  int64_t N = 0, L = 0, D = 0, V = 0;
  int m = 0, act = 2;
  const float *q = nullptr, *keys = nullptr, *values = nullptr;  // values: keys when null
  const int32_t* pos = nullptr;
  std::vector<int64_t> H, in;
  F32List params;  // W0, b0, W1, b1, ...
  // Saved between the directions (written by the forward, read by the backward).
  float *k2 = nullptr, *qk = nullptr, *w = nullptr;  // [V, D], [V, D], weights [N, L]
  F32List acts;                                      // hidden activations, [V, H(i)] each
  const float* W(int i) const { return params.p[2 * i]; }
  const float* b(int i) const { return params.p[2 * i + 1]; }
  const float* val() const { return values ? values : keys; }
};

// Reads and checks the arguments both directions share: N, L, D, q, keys, values|null, pos, act,
// params, widths, then the saved k2, qk, acts, weights (argv[0..13]).
bool ReadDin(napi_env env, const Args& a, Din* s, const char* fn) {
  int64_t act;
  float *q, *k, *v = nullptr;
  int32_t *pos, *widths;
  size_t lq, lk, lv = 0, lp, lw;
  if (!GetInt64(env, a.argv[0], &s->N, fn, "N") || !GetInt64(env, a.argv[1], &s->L, fn, "L") ||
      !GetInt64(env, a.argv[2], &s->D, fn, "D") || !GetF32(env, a.argv[3], &q, &lq, fn, "query") ||
      !GetF32(env, a.argv[4], &k, &lk, fn, "keys"))
    return false;
  if (!IsNullish(env, a.argv[5]) && !GetF32(env, a.argv[5], &v, &lv, fn, "values")) return false;
  if (!GetTyped<int32_t>(env, a.argv[6], napi_int32_array, &pos, &lp, fn, "pos") ||
      !GetInt64(env, a.argv[7], &act, fn, "act") || !GetF32List(env, a.argv[8], &s->params, fn, "params") ||
      !GetTyped<int32_t>(env, a.argv[9], napi_int32_array, &widths, &lw, fn, "widths"))
    return false;
  const int64_t N = s->N, L = s->L, D = s->D;
  if (N < 0 || L <= 0 || D <= 0 || N * L > INT32_MAX)
    return Throw(env, "ERR_RECREPRO_RANGE", std::string(fn) + ": bad N, L or D");
  if (!NeedLen(env, lq, N * D, fn, "query") || !NeedLen(env, lk, N * L * D, fn, "keys") ||
      (v && !NeedLen(env, lv, N * L * D, fn, "values")))
    return false;
  if (act != ACT_RELU && act != ACT_SIGMOID)
    return Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": act must be 1 (relu) or 2 (sigmoid)");
  s->act = static_cast<int>(act);
  s->m = static_cast<int>(lw);
  if (s->m < 1 || widths[s->m - 1] != 1)
    return Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": widths must end with the score width 1");
  if (s->params.p.size() != static_cast<size_t>(2 * s->m))
    return Throw(env, "ERR_RECREPRO_ARGS",
                 std::string(fn) + ": params must hold " + std::to_string(2 * s->m) + " entries (W, b per layer)");
  s->H.resize(s->m);
  s->in.resize(s->m);
  for (int i = 0; i < s->m; ++i) {
    s->H[i] = widths[i];
    s->in[i] = i == 0 ? 4 * D : s->H[i - 1];
    if (s->H[i] <= 0) return Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": widths must be positive");
    const std::string wn = "W" + std::to_string(i), bn = "b" + std::to_string(i);
    if (!s->params.p[2 * i]) return Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": " + wn + " is missing");
    if (!NeedLen(env, s->params.n[2 * i], s->in[i] * s->H[i], fn, wn.c_str())) return false;
    if (s->params.p[2 * i + 1] && !NeedLen(env, s->params.n[2 * i + 1], s->H[i], fn, bn.c_str())) return false;
  }
  for (size_t i = 0; i < lp; ++i) {
    if (pos[i] < 0 || pos[i] >= N * L || (i > 0 && pos[i] <= pos[i - 1]))
      return Throw(env, "ERR_RECREPRO_RANGE",
                   std::string(fn) + ": pos[" + std::to_string(i) + "] = " + std::to_string(pos[i]) +
                       " is outside [0, N*L) or not above the previous slot");
  }
  s->q = q;
  s->keys = k;
  s->values = v;
  s->pos = pos;
  const int64_t V = s->V = static_cast<int64_t>(lp);
  size_t l1, l2, l3;
  if (!GetF32(env, a.argv[10], &s->k2, &l1, fn, "k2") || !GetF32(env, a.argv[11], &s->qk, &l2, fn, "qk") ||
      !GetF32List(env, a.argv[12], &s->acts, fn, "acts") || !GetF32(env, a.argv[13], &s->w, &l3, fn, "weights"))
    return false;
  if (!NeedLen(env, l1, V * D, fn, "k2") || !NeedLen(env, l2, V * D, fn, "qk") ||
      !NeedLen(env, l3, N * L, fn, "weights"))
    return false;
  if (s->acts.p.size() != static_cast<size_t>(s->m - 1))
    return Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": acts must hold one array per hidden layer");
  for (int i = 0; i < s->m - 1; ++i)
    if (!s->acts.p[i] || !NeedLen(env, s->acts.n[i], V * s->H[i], fn, "acts[i]")) return false;
  return true;
}

// Optional trailing `threads` argument (default 1).
int ReadThreads(napi_env env, const Args& a, size_t at) {
  if (a.argc <= at || IsNullish(env, a.argv[at])) return 1;
  int64_t t = 1;
  napi_valuetype ty;
  napi_typeof(env, a.argv[at], &ty);
  if (ty == napi_number) napi_get_value_int64(env, a.argv[at], &t);
  return t < 1 ? 1 : (t > 64 ? 64 : static_cast<int>(t));
}

// A block of query rows [n0, n1) and its valid slots [v0, v1) (pos is sorted by row).
struct Chunk {
  int64_t n0, n1, v0, v1;
};

// Below this many valid slots per extra thread one thread does it all (a thread start costs
// ~20-50 us; the smallest DIN call here, 256 queries x ~15 clicks, stays on one).
constexpr int64_t kMinSlotsPerThread = 4096;

// Up to `threads` row blocks with about equal numbers of valid slots.
std::vector<Chunk> SplitRows(const Din& s, int threads) {
  const int64_t V = s.V, N = s.N, L = s.L;
  int64_t T = threads;
  if (T > V / kMinSlotsPerThread) T = V / kMinSlotsPerThread;
  if (T < 1) T = 1;
  std::vector<Chunk> out;
  int64_t n0 = 0, v0 = 0;
  for (int64_t c = 1; c <= T; ++c) {
    int64_t n1 = N, v1 = V;
    if (c < T) {
      n1 = s.pos[c * V / T] / L;  // split at the row of the c/T-th slot
      if (n1 < n0) n1 = n0;
      v1 = v0;
      while (v1 < V && s.pos[v1] / L < n1) ++v1;
    }
    out.push_back({n0, n1, v0, v1});
    n0 = n1;
    v0 = v1;
  }
  return out;
}

// Runs fn(index, chunk) for every chunk: chunk 0 on the calling thread, the others on their own
// std::thread (OpenBLAS at one thread is called from each; the caller sets that). Returns false
// when a chunk ran out of memory (std::bad_alloc from its scratch vectors), for the caller to throw.
template <typename F>
bool RunChunks(const std::vector<Chunk>& chunks, F fn) {
  std::vector<char> ok(chunks.size(), 1);
  auto guarded = [&](size_t i) {
    try {
      fn(i, chunks[i]);
    } catch (...) {
      ok[i] = 0;
    }
  };
  std::vector<std::thread> pool;
  try {
    for (size_t i = 1; i < chunks.size(); ++i) pool.emplace_back(guarded, i);
  } catch (...) {  // no thread could be started: run the rest here
    for (size_t i = 1 + pool.size(); i < chunks.size(); ++i) guarded(i);
  }
  guarded(0);
  for (std::thread& t : pool) t.join();
  for (char c : ok)
    if (!c) return false;
  return true;
}

// The [D, H0] blocks Wq + Wd and Wk - Wd of the first layer.
void FirstBlocks(const Din& s, std::vector<float>* wqd, std::vector<float>* wkd) {
  const int64_t DH = s.D * s.H[0];
  const float* W0 = s.W(0);
  wqd->resize(DH);
  wkd->resize(DH);
  for (int64_t i = 0; i < DH; ++i) {
    (*wqd)[i] = W0[i] + W0[2 * DH + i];
    (*wkd)[i] = W0[DH + i] - W0[2 * DH + i];
  }
}

// dinAttentionForward(N, L, D, query, keys, values|null, pos, act, params, widths,
//                     k2 [V*D], qk [V*D], acts [m-1 arrays of V*H(i)], weights [N*L], pooled [N*D]
//                     [, threads])
//   Fills the saved k2 = keys[pos], qk = q[row] * k2 and the hidden activations (the backward pass
//   reads them), the weights (0 at padding: the caller passes zeros) and the pooled rows.
napi_value DinAttentionForward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "dinAttentionForward";
  if (!GetArgs(env, info, &a, 15, fn)) return nullptr;  // + optional threads
  Din s;
  if (!ReadDin(env, a, &s, fn)) return nullptr;
  float* pooled;
  size_t l4;
  if (!GetF32(env, a.argv[14], &pooled, &l4, fn, "pooled")) return nullptr;
  const int64_t N = s.N, L = s.L, D = s.D;
  const int m = s.m;
  if (!NeedLen(env, l4, N * D, fn, "pooled")) return nullptr;
  float *k2 = s.k2, *qk = s.qk, *w = s.w;
  const F32List& acts = s.acts;
  const int threads = ReadThreads(env, a, 15);
  const int32_t* pos = s.pos;
  std::vector<float> wqd, wkd;
  FirstBlocks(s, &wqd, &wkd);
  const std::vector<Chunk> chunks = SplitRows(s, threads);
  const bool ran = RunChunks(chunks, [&](size_t, const Chunk& c) {
    const int64_t Nc = c.n1 - c.n0, Vc = c.v1 - c.v0, H0 = s.H[0];
    const float* q = s.q;
    for (int64_t v = c.v0; v < c.v1; ++v) {
      const int64_t p = pos[v], n = p / L;
      const float* kr = s.keys + p * D;
      const float* qr = q + n * D;
      float* k2r = k2 + v * D;
      float* qkr = qk + v * D;
      for (int64_t d = 0; d < D; ++d) {
        k2r[d] = kr[d];
        qkr[d] = qr[d] * kr[d];
      }
    }
    std::vector<float> fromQ(static_cast<size_t>(Nc * H0)), score(static_cast<size_t>(Vc));
    Gemm(false, false, Nc, H0, D, q + c.n0 * D, wqd.data(), 0.0f, fromQ.data());
    float* out0 = m > 1 ? acts.p[0] + c.v0 * H0 : score.data();
    Gemm(false, false, Vc, H0, D, k2 + c.v0 * D, wkd.data(), 0.0f, out0);
    Gemm(false, false, Vc, H0, D, qk + c.v0 * D, s.W(0) + 3 * D * H0, 1.0f, out0);
    const float* b0 = s.b(0);
    for (int64_t v = 0; v < Vc; ++v) {
      float* o = out0 + v * H0;
      const float* fq = fromQ.data() + (pos[c.v0 + v] / L - c.n0) * H0;
      if (b0)
        for (int64_t j = 0; j < H0; ++j) o[j] += fq[j] + b0[j];
      else
        for (int64_t j = 0; j < H0; ++j) o[j] += fq[j];
    }
    if (m > 1) ApplyAct(out0, Vc * H0, s.act, 0.0f);
    for (int i = 1; i < m; ++i) {
      const int64_t Hi = s.H[i];
      float* out = i < m - 1 ? acts.p[i] + c.v0 * Hi : score.data();
      Gemm(false, false, Vc, Hi, s.H[i - 1], acts.p[i - 1] + c.v0 * s.H[i - 1], s.W(i), 0.0f, out);
      const float* bi = s.b(i);
      if (bi)
        for (int64_t v = 0; v < Vc; ++v)
          for (int64_t j = 0; j < Hi; ++j) out[v * Hi + j] += bi[j];
      if (i < m - 1) ApplyAct(out, Vc * Hi, s.act, 0.0f);
    }
    // Masked softmax per query row over its valid slots (a run of pos), then the weighted sum.
    const float* val = s.val();
    for (int64_t i = c.n0 * D; i < c.n1 * D; ++i) pooled[i] = 0.0f;
    std::vector<double> acc(static_cast<size_t>(D));
    for (int64_t g0 = c.v0; g0 < c.v1;) {
      const int64_t n = pos[g0] / L;
      int64_t g1 = g0;
      float mx = -INFINITY;
      while (g1 < c.v1 && pos[g1] / L == n) {
        if (score[g1 - c.v0] > mx) mx = score[g1 - c.v0];
        ++g1;
      }
      double z = 0.0;
      for (int64_t v = g0; v < g1; ++v) {
        const float e =
            static_cast<float>(std::exp(static_cast<double>(score[v - c.v0]) - static_cast<double>(mx)));
        w[pos[v]] = e;
        z += e;
      }
      for (int64_t d = 0; d < D; ++d) acc[d] = 0.0;
      for (int64_t v = g0; v < g1; ++v) {
        const float wv = static_cast<float>(static_cast<double>(w[pos[v]]) / z);
        w[pos[v]] = wv;
        const float* vr = val + static_cast<int64_t>(pos[v]) * D;
        for (int64_t d = 0; d < D; ++d) acc[d] += static_cast<double>(wv) * vr[d];
      }
      for (int64_t d = 0; d < D; ++d) pooled[n * D + d] = static_cast<float>(acc[d]);
      g0 = g1;
    }
  });
  if (!ran) {
    Throw(env, "ERR_RECREPRO_OOM", std::string(fn) + ": out of memory");
    return nullptr;
  }
  return Undefined(env);
}

// dinAttentionBackward(N, L, D, query, keys, values|null, pos, act, params, widths,
//                      k2, qk, acts, weights, dPooled [N*D], dWeights [N*L]|null,
//                      dQuery [N*D], dKeys [N*L*D] (zeros), dValues [N*L*D] (zeros)|null, dParams
//                      [, threads])
//   dQuery and dParams (same layout as params; null biases stay null) are overwritten; dKeys and
//   dValues are accumulated into (with dValues null, the values' gradient goes into dKeys).
//   `threads` > 1 splits the query rows into blocks with about equal valid slots, one std::thread
//   each (all writes but the weight gradients are to disjoint rows; those are summed in block
//   order); the caller runs OpenBLAS at one thread meanwhile.
napi_value DinAttentionBackward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "dinAttentionBackward";
  if (!GetArgs(env, info, &a, 20, fn)) return nullptr;  // + optional threads
  Din s;
  if (!ReadDin(env, a, &s, fn)) return nullptr;
  float *dp, *dw = nullptr, *dq, *dk, *dv = nullptr;
  size_t l4, l5 = 0, l6, l7, l8 = 0;
  F32List dparams;
  if (!GetF32(env, a.argv[14], &dp, &l4, fn, "dPooled")) return nullptr;
  if (!IsNullish(env, a.argv[15]) && !GetF32(env, a.argv[15], &dw, &l5, fn, "dWeights")) return nullptr;
  if (!GetF32(env, a.argv[16], &dq, &l6, fn, "dQuery") || !GetF32(env, a.argv[17], &dk, &l7, fn, "dKeys"))
    return nullptr;
  if (!IsNullish(env, a.argv[18]) && !GetF32(env, a.argv[18], &dv, &l8, fn, "dValues")) return nullptr;
  if (!GetF32List(env, a.argv[19], &dparams, fn, "dParams")) return nullptr;
  const int64_t N = s.N, L = s.L, D = s.D;
  const int m = s.m;
  if (!NeedLen(env, l4, N * D, fn, "dPooled") ||
      (dw && !NeedLen(env, l5, N * L, fn, "dWeights")) || !NeedLen(env, l6, N * D, fn, "dQuery") ||
      !NeedLen(env, l7, N * L * D, fn, "dKeys") || (dv && !NeedLen(env, l8, N * L * D, fn, "dValues")))
    return nullptr;
  if (dparams.p.size() != static_cast<size_t>(2 * m)) {
    Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": dParams do not match the layers");
    return nullptr;
  }
  const float *k2 = s.k2, *qk = s.qk, *w = s.w;
  const F32List& acts = s.acts;
  for (int i = 0; i < m; ++i) {
    if (!dparams.p[2 * i] || !NeedLen(env, dparams.n[2 * i], s.in[i] * s.H[i], fn, "dParams W")) return nullptr;
    if ((s.b(i) != nullptr) != (dparams.p[2 * i + 1] != nullptr)) {
      Throw(env, "ERR_RECREPRO_ARGS", std::string(fn) + ": dParams biases must match params");
      return nullptr;
    }
    if (dparams.p[2 * i + 1] && !NeedLen(env, dparams.n[2 * i + 1], s.H[i], fn, "dParams b")) return nullptr;
  }
  const int threads = ReadThreads(env, a, 20);
  const int32_t* pos = s.pos;
  const float* val = s.val();
  float* dval = dv ? dv : dk;
  const int64_t H0 = s.H[0], DH = D * H0;
  std::vector<float> wqd, wkd;
  FirstBlocks(s, &wqd, &wkd);
  const std::vector<Chunk> chunks = SplitRows(s, threads);
  // Chunk 0 writes the weight gradients into dParams, the others into their own buffers, summed
  // after the join in chunk order (deterministic for a given thread count).
  std::vector<std::vector<std::vector<float>>> partial(chunks.size());
  for (size_t ci = 1; ci < chunks.size(); ++ci) {
    partial[ci].resize(2 * m);
    for (int i = 0; i < 2 * m; ++i)
      if (dparams.p[i]) partial[ci][i].assign(dparams.n[i], 0.0f);
  }
  auto colsum = [](const float* X, int64_t M, int64_t C, float* out) {
    std::vector<double> acc(static_cast<size_t>(C), 0.0);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < C; ++j) acc[j] += static_cast<double>(X[i * C + j]);
    for (int64_t j = 0; j < C; ++j) out[j] = static_cast<float>(acc[j]);
  };
  const bool ran = RunChunks(chunks, [&](size_t ci, const Chunk& c) {
    const int64_t Nc = c.n1 - c.n0, Vc = c.v1 - c.v0;
    auto dP = [&](int i) { return ci == 0 ? dparams.p[i] : partial[ci][i].data(); };
    const float* q = s.q;
    // Softmax + weighted sum backward: dscore_v = w_v (g_v - sum_u w_u g_u), g_v = dPooled_n . val_v.
    std::vector<float> dout(static_cast<size_t>(Vc));
    for (int64_t g0 = c.v0; g0 < c.v1;) {
      const int64_t n = pos[g0] / L;
      const float* g = dp + n * D;
      int64_t g1 = g0;
      double dot = 0.0;
      while (g1 < c.v1 && pos[g1] / L == n) {
        const int64_t p = pos[g1];
        const float* vr = val + p * D;
        double gv = dw ? static_cast<double>(dw[p]) : 0.0;
        for (int64_t d = 0; d < D; ++d) gv += static_cast<double>(g[d]) * vr[d];
        dout[g1 - c.v0] = static_cast<float>(gv);
        dot += static_cast<double>(w[p]) * static_cast<float>(gv);
        const float wv = w[p];
        float* dvr = dval + p * D;
        for (int64_t d = 0; d < D; ++d) dvr[d] += wv * g[d];
        ++g1;
      }
      for (int64_t v = g0; v < g1; ++v)
        dout[v - c.v0] = static_cast<float>(static_cast<double>(w[pos[v]]) *
                                            (static_cast<double>(dout[v - c.v0]) - dot));
      g0 = g1;
    }
    // Hidden layers, last to second: dW = A^T dout, db = colsum(dout), dA = dout W^T, times act'.
    for (int i = m - 1; i >= 1; --i) {
      const int64_t Hin = s.H[i - 1], Hout = s.H[i];
      const float* A = acts.p[i - 1] + c.v0 * Hin;
      Gemm(true, false, Hin, Hout, Vc, A, dout.data(), 0.0f, dP(2 * i));
      if (dparams.p[2 * i + 1]) colsum(dout.data(), Vc, Hout, dP(2 * i + 1));
      std::vector<float> din(static_cast<size_t>(Vc * Hin));
      Gemm(false, true, Vc, Hin, Hout, dout.data(), s.W(i), 0.0f, din.data());
      const int64_t n = Vc * Hin;
      if (s.act == ACT_SIGMOID)
        for (int64_t j = 0; j < n; ++j) din[j] *= A[j] * (1.0f - A[j]);
      else
        for (int64_t j = 0; j < n; ++j) din[j] = A[j] > 0.0f ? din[j] : 0.0f;
      dout.swap(din);
    }
    // First layer (its q - k block is formed after the chunks are summed).
    std::vector<float> G(static_cast<size_t>(Nc * H0), 0.0f);
    for (int64_t v = 0; v < Vc; ++v) {
      float* gr = G.data() + (pos[c.v0 + v] / L - c.n0) * H0;
      const float* o = dout.data() + v * H0;
      for (int64_t j = 0; j < H0; ++j) gr[j] += o[j];
    }
    float* dW0 = dP(0);
    Gemm(true, false, D, H0, Nc, q + c.n0 * D, G.data(), 0.0f, dW0);            // d(Wq + Wd)
    Gemm(true, false, D, H0, Vc, k2 + c.v0 * D, dout.data(), 0.0f, dW0 + DH);   // d(Wk - Wd)
    Gemm(true, false, D, H0, Vc, qk + c.v0 * D, dout.data(), 0.0f, dW0 + 3 * DH);  // q * k block
    if (dparams.p[1]) colsum(dout.data(), Vc, H0, dP(1));
    Gemm(false, true, Nc, D, H0, G.data(), wqd.data(), 0.0f, dq + c.n0 * D);
    std::vector<float> T1(static_cast<size_t>(Vc * D)), T2(static_cast<size_t>(Vc * D));
    Gemm(false, true, Vc, D, H0, dout.data(), wkd.data(), 0.0f, T1.data());
    Gemm(false, true, Vc, D, H0, dout.data(), s.W(0) + 3 * DH, 0.0f, T2.data());
    for (int64_t v = 0; v < Vc; ++v) {
      const int64_t p = pos[c.v0 + v], n = p / L;
      const float* qr = q + n * D;
      const float* k2r = k2 + (c.v0 + v) * D;
      const float* t1 = T1.data() + v * D;
      const float* t2 = T2.data() + v * D;
      float* dkr = dk + p * D;
      float* dqr = dq + n * D;
      for (int64_t d = 0; d < D; ++d) {
        dkr[d] += t1[d] + t2[d] * qr[d];
        dqr[d] += t2[d] * k2r[d];
      }
    }
  });
  if (!ran) {
    Throw(env, "ERR_RECREPRO_OOM", std::string(fn) + ": out of memory");
    return nullptr;
  }
  for (size_t ci = 1; ci < chunks.size(); ++ci)
    for (int i = 0; i < 2 * m; ++i)
      if (dparams.p[i]) {
        float* o = dparams.p[i];
        const float* x = partial[ci][i].data();
        const int64_t n = static_cast<int64_t>(partial[ci][i].size());
        for (int64_t j = 0; j < n; ++j) o[j] += x[j];
      }
  float* dW0 = dparams.p[0];
  for (int64_t i = 0; i < DH; ++i) dW0[2 * DH + i] = dW0[i] - dW0[DH + i];
  return Undefined(env);
}

// ---------------------------------------------------------------------------------------------
// Threads / info
// ---------------------------------------------------------------------------------------------

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 1, "setThreads")) return nullptr;
  int64_t n;
  if (!GetInt64(env, a.argv[0], &n, "setThreads", "n")) return nullptr;
  if (n < 1) n = 1;
  if (n > 256) n = 256;
  openblas_set_num_threads(static_cast<int>(n));
  return Num(env, openblas_get_num_threads());
}

// tuneMalloc(mmapThreshold, trimThreshold): glibc mallopt for the whole process. tfjs's cpu backend
// allocates a fresh Float32Array for every op output (6.5 MB at 4096 x 400); with glibc's
// defaults these come from mmap and go back to the OS when V8 collects them, so every output
// page-faults again (measured ~10-20 ms per 6.5 MB array on this VM vs ~0.5 ms when reused).
// A fixed mmap threshold above the largest activation and a high trim threshold keep freed
// blocks in the heap for reuse. Returns true when both settings were accepted.
napi_value TuneMalloc(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 2, "tuneMalloc")) return nullptr;
  int64_t mmapT, trimT;
  if (!GetInt64(env, a.argv[0], &mmapT, "tuneMalloc", "mmapThreshold") ||
      !GetInt64(env, a.argv[1], &trimT, "tuneMalloc", "trimThreshold"))
    return nullptr;
  int ok = 1;
#ifdef __GLIBC__
  if (mmapT > 0) ok &= mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmapT > INT32_MAX ? INT32_MAX : mmapT));
  if (trimT > 0) ok &= mallopt(M_TRIM_THRESHOLD, static_cast<int>(trimT > INT32_MAX ? INT32_MAX : trimT));
#else
  ok = 0;
#endif
  napi_value r;
  napi_get_boolean(env, ok != 0, &r);
  return r;
}

napi_value GetThreads(napi_env env, napi_callback_info) {
  return Num(env, openblas_get_num_threads());
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "blasConfig", v);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "blasCore", v);
  napi_set_named_property(env, obj, "threads", Num(env, openblas_get_num_threads()));
  napi_set_named_property(env, obj, "abiVersion", Num(env, 4));
  return obj;
}

napi_value Init(napi_env env, napi_value exports) {
  // Default thread count: RECREPRO_THREADS, else 2.
  int threads = 2;
  if (const char* s = std::getenv("RECREPRO_THREADS")) {
    int t = std::atoi(s);
    if (t > 0) threads = t;
  }
  openblas_set_num_threads(threads);

  struct Fn {
    const char* name;
    napi_callback cb;
  } fns[] = {
      {"sgemm", Sgemm},       {"sgemmBatched", SgemmBatched}, {"biasAct", BiasAct},
      {"unary", Unary},       {"binary", Binary},             {"reluGrad", ReluGrad},
      {"colSum", ColSum},     {"rowSum", RowSum},             {"gatherRows", GatherRows},
      {"adamRows", AdamRows}, {"adamDense", AdamDense}, {"scatterAddRows", ScatterAddRows}, {"dedupRows", DedupRows}, {"sumDuplicates", SumDuplicates}, {"spmm", Spmm}, {"dinAttentionForward", DinAttentionForward}, {"dinAttentionBackward", DinAttentionBackward}, {"setThreads", SetThreads},     {"getThreads", GetThreads},
      {"info", Info},           {"tuneMalloc", TuneMalloc},
  };
  for (const Fn& f : fns) {
    napi_value fv;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fv);
    napi_set_named_property(env, exports, f.name, fv);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
