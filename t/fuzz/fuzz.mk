# Fuzzing: `make fuzz` builds every t/fuzz/fuzz_*.c into build/fuzz/ with
# libFuzzer, ASan and UBSan (clang; Debian needs libclang-rt-14-dev).  The
# library is compiled once per change into build/fuzz/obj/ and shared by all
# targets; a new fuzz_*.c needs no edit here.  t/fuzz.t runs them briefly.

FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=gnu11 -g -O1 $(FUZZ_SAN) $(LIB_INCS) -It/fuzz
FUZZ_SRCS    := $(wildcard t/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst t/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS    := $(patsubst $(MOD)/lib/%.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRCS))

.PHONY: fuzz
fuzz: $(FUZZ_BINS)

$(BUILD)/fuzz/obj/%.o: $(MOD)/lib/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/%: t/fuzz/%.c $(FUZZ_OBJS) $(wildcard t/fuzz/*.h) t/unit/json_walk.h \
                t/unit/json_ref.h t/unit/body_refs_join.h t/unit/stream_util.h \
                t/unit/ant_delta_diff.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS) $(ULIBS) -o $@

# Keep the objects: as intermediates of a pattern chain make would delete
# them after each link and rebuild them all next time.
.SECONDARY: $(FUZZ_OBJS)
