/*
 * no_symbol.so: a shared object that is no poolserve module: it does not
 * export poolserve_module.  poolserve must refuse it at start (exit 78,
 * the missing symbol named); tests/module.sh checks that.
 */
int	no_symbol_answer(void);

int
no_symbol_answer(void)
{
	return 42;
}
