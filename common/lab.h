/* lab.h - what a student's skeleton calls where the reference code was.
 *
 * The code a student writes is marked in the mechanism files, by two
 * comments: one opening with "LAB: pivot_into" that carries the hint (the
 * goal, the man pages, what the tests check), the reference code, then
 * one that says "LAB END". An optional "stub:" line in the hint gives the
 * stub's code when the default (return lab_not_written(...);) does not fit.
 * `make lab` (scripts/lab.sh) keeps the hint and puts, in place of the
 * code, a call to lab_not_written(): the skeleton builds and every path
 * through an unwritten piece fails at run time, saying which piece and
 * where its lesson is. The reference never calls it.
 */
#ifndef BOXES_LAB_H
#define BOXES_LAB_H

/* Print "boxes: not written yet: NAME — LESSON" and return -1. LESSON is
 * the lesson and its section: "steps/05-pivot-root/README.md, The code". */
int lab_not_written(const char *name, const char *lesson);

#endif
