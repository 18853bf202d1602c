/* The one MPICH declaration LAMMPS' public headers need (MPI_Comm, an int handle in MPICH's ABI, which the
 * PyPI `mpich` wheel's libmpi.so.12 implements). That wheel ships no headers. The plugin makes no MPI calls. */
#ifndef NNPDISTILL_MPI_STUB_H
#define NNPDISTILL_MPI_STUB_H
typedef int MPI_Comm;
#endif
