#include "chttp.h"

#include <stdlib.h>
#include <zlib.h>

int chttp_gunzip(const uint8_t *input, size_t input_length, size_t limit, uint8_t **output, size_t *output_length) {
    *output = NULL;
    *output_length = 0;
    z_stream stream = {0};
    // 16 + MAX_WBITS: expect a gzip header (not raw zlib).
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return 2;
    size_t capacity = input_length * 4 + 1024;
    if (capacity > limit) capacity = limit ? limit : 1;
    uint8_t *buffer = malloc(capacity);
    if (!buffer) {
        inflateEnd(&stream);
        return 2;
    }
    stream.next_in = (Bytef *)input;
    stream.avail_in = (uInt)input_length;
    size_t length = 0;
    int result;
    for (;;) {
        if (length == capacity) {
            if (capacity >= limit) {
                // Full at the limit: fine only if the stream has nothing more to give.
                uint8_t probe;
                stream.next_out = &probe;
                stream.avail_out = 1;
                result = inflate(&stream, Z_NO_FLUSH);
                if (result == Z_STREAM_END && stream.avail_out == 1) break;
                free(buffer);
                inflateEnd(&stream);
                return 1;
            }
            size_t grown = capacity * 2 > limit ? limit : capacity * 2;
            uint8_t *bigger = realloc(buffer, grown);
            if (!bigger) {
                free(buffer);
                inflateEnd(&stream);
                return 2;
            }
            buffer = bigger;
            capacity = grown;
        }
        stream.next_out = buffer + length;
        stream.avail_out = (uInt)(capacity - length);
        result = inflate(&stream, Z_NO_FLUSH);
        length = capacity - stream.avail_out;
        if (result == Z_STREAM_END) break;
        if (result != Z_OK || (stream.avail_in == 0 && stream.avail_out != 0)) {
            free(buffer);
            inflateEnd(&stream);
            return 2;
        }
    }
    inflateEnd(&stream);
    *output = buffer;
    *output_length = length;
    return 0;
}
