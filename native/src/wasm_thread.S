# kt_set_stack_pointer(top): a worker's first call, before any C code runs on it: points this
# instance's shadow-stack pointer at the stack kt_thread_alloc gave it (threaded wasm builds only).
	.globaltype __stack_pointer, i32
	.globl kt_set_stack_pointer
	.export_name kt_set_stack_pointer, kt_set_stack_pointer
	.type kt_set_stack_pointer,@function
kt_set_stack_pointer:
	.functype kt_set_stack_pointer (i32) -> ()
	local.get 0
	global.set __stack_pointer
	end_function
