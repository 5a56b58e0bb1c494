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
  size_t argc = 16;
  napi_value argv[16];
  bool ok = true;
};

bool Throw(napi_env env, const char* code, const std::string& msg) {
  napi_throw_error(env, code, msg.c_str());
  return false;
}

bool GetArgs(napi_env env, napi_callback_info info, Args* a, size_t want, const char* fn) {
  a->env = env;
  a->argc = 16;
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
  napi_set_named_property(env, obj, "abiVersion", Num(env, 3));
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
      {"adamRows", AdamRows}, {"adamDense", AdamDense}, {"scatterAddRows", ScatterAddRows}, {"dedupRows", DedupRows}, {"spmm", Spmm}, {"setThreads", SetThreads},     {"getThreads", GetThreads},
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
