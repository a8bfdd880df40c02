# Writes the .npy files the NpyFile tests read, with numpy itself (run with a python that has numpy).
# The files are committed; the tests do not need python.
import numpy as np
from numpy.lib import format as npf

np.save("float32_2x3.npy", np.array([[1.5, -2.0, 0.0], [3.25, 1e-20, -7.0]], dtype=np.float32))
np.save("int64_4.npy", np.array([-(2**40), -1, 0, 2**53], dtype=np.int64))
np.save("bool_2x2.npy", np.array([[True, False], [False, True]]))
np.save("float16_3.npy", np.array([0.5, -1.0, 65504.0], dtype=np.float16))
np.save("uint8_empty_0x3.npy", np.zeros((0, 3), dtype=np.uint8))
np.save("unicode_3.npy", np.array(["", "naïve", "日本語🎉"]))
np.save("float64_scalar.npy", np.float64(3.141592653589793))
np.save("int8_3.npy", np.array([1, -2, 3], dtype=np.int8))
np.save("uint16_2.npy", np.array([0, 65535], dtype=np.uint16))
np.save("uint32_2.npy", np.array([0, 4294967295], dtype=np.uint32))
np.save("uint64_2.npy", np.array([0, 18446744073709551615], dtype=np.uint64))
np.save("int16_2.npy", np.array([-32768, 32767], dtype=np.int16))
np.save("int32_2.npy", np.array([-2147483648, 2147483647], dtype=np.int32))
np.save("bytes_2.npy", np.array([b"ab", b"c"]))
np.save("big_endian_int32_3.npy", np.array([1, -2, 70000], dtype=">i4"))
np.save("fortran_2x3.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.save("object_2.npy", np.array([1, "x"], dtype=object), allow_pickle=True)
np.save("complex64_1.npy", np.array([1 + 2j], dtype=np.complex64))
with open("float32_v2.npy", "wb") as f:
    npf.write_array(f, np.array([1.0, 2.0], dtype=np.float32), version=(2, 0))
with open("float32_v3.npy", "wb") as f:
    npf.write_array(f, np.array([1.0, 2.0], dtype=np.float32), version=(3, 0))
