#include <cblas.h>
// OpenBLAS extension: the number of threads BLAS calls may use (workers use one).
void openblas_set_num_threads(int num_threads);
