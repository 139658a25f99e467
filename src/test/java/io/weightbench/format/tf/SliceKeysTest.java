package io.weightbench.format.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Slice keys are encoded as TensorFlow's OrderedCode encodes them (examples from its ordered_code tests). */
class SliceKeysTest {

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void signedNumbersMatchTensorFlowsEncoding() {
        assertThat(SliceKeys.signed(0)).isEqualTo(bytes("\200"));
        assertThat(SliceKeys.signed(63)).isEqualTo(bytes("\277"));
        assertThat(SliceKeys.signed(64)).isEqualTo(bytes("\300@"));
        assertThat(SliceKeys.signed(256)).isEqualTo(bytes("\301\000"));
        assertThat(SliceKeys.signed(1048576)).isEqualTo(bytes("\360\020\000\000"));
        assertThat(SliceKeys.signed(36028797018963968L)).isEqualTo(bytes("\377\200\200\000\000\000\000\000\000"));
        assertThat(SliceKeys.signed(4611686018427387904L)).isEqualTo(bytes("\377\300@\000\000\000\000\000\000\000"));
        assertThat(SliceKeys.signed(Long.MAX_VALUE)).isEqualTo(bytes("\377\300\177\377\377\377\377\377\377\377"));
        assertThat(SliceKeys.signed(-1)).isEqualTo(bytes("\177"));
        assertThat(SliceKeys.signed(-64)).isEqualTo(bytes("@"));
        assertThat(SliceKeys.signed(-65)).isEqualTo(bytes("?\277"));
        assertThat(SliceKeys.signed(-8193)).isEqualTo(bytes("\037\337\377"));
        assertThat(SliceKeys.signed(-9223372036854775807L)).isEqualTo(bytes("\000?\200\000\000\000\000\000\000\001"));
    }

    @Test
    void aKeyIsZeroThenTheEscapedNameThenTheRankAndExtents() {
        // the name, then the separator \0\1; rank 2 is \1\2; extent 0,-1 (the whole dimension) is
        // \200\177, extent 256,1 is \301\000\201; a 0 byte in a name is escaped as \0\377
        assertThat(SliceKeys.encode("foo", new long[] {0, 256}, new long[] {-1, 1}))
                .isEqualTo(bytes("\000foo\000\001\001\002\200\177\301\000\201"));
        assertThat(SliceKeys.encode("a\0b", new long[] {3}, new long[] {2})).isEqualTo(bytes("\000a\000\377b\000\001\001\001\203\202"));
        assertThat(SliceKeys.isSliceKey(bytes("\000foo"))).isTrue();
        assertThat(SliceKeys.isSliceKey(bytes("foo"))).isFalse();
    }
}
